using EdgeML.Engine.Tests.CodeGen;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Runtime;

/// <summary>The tests run on ONNX Runtime's default CPU package, which has none of the accelerated providers.</summary>
[TestClass]
public sealed class ExecutionProviderTests
{
    [TestMethod]
    public void SkipsProvidersTheInstalledOnnxRuntimeLacksAndRunsOnCpu()
    {
        var log = new List<string>();
        var options = new EdgeMLModelOptions
        {
            ExecutionProviders = [EdgeMLExecutionProvider.Cuda, EdgeMLExecutionProvider.CoreML, EdgeMLExecutionProvider.TensorRT, EdgeMLExecutionProvider.DirectML],
            Log = log.Add,
        };

        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes(), options);

        Assert.AreEqual("Cpu", session.ExecutionProvider);
        Assert.HasCount(4, log);
        foreach (var provider in options.ExecutionProviders)
        {
            Assert.IsTrue(log.Any(line => line.Contains($"execution provider {provider} is not available")), string.Join(Environment.NewLine, log));
        }

        var scores = new float[3];
        session.Run(0, new float[4], [1, 4], 0, scores.AsSpan(), [1, 3]);
    }

    [TestMethod]
    public void StopsAtCpuWhenItIsListed()
    {
        var log = new List<string>();

        using var session = EdgeMLSession.FromBytes(
            TestModels.Classifier().Bytes(),
            new EdgeMLModelOptions { ExecutionProviders = [EdgeMLExecutionProvider.Cpu, EdgeMLExecutionProvider.Cuda], Log = log.Add });

        Assert.AreEqual("Cpu", session.ExecutionProvider);
        Assert.IsEmpty(log);
    }

    [TestMethod]
    public void UsesCpuByDefault()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());

        Assert.AreEqual("Cpu", session.ExecutionProvider);
        Assert.AreEqual(0, session.FallbackCount);
    }
}
