using EdgeML.Engine.Tests.CodeGen;
using EdgeML.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Engine.Tests.Runtime;

[TestClass]
public sealed class FallbackTests
{
    private static readonly float[] Pixels = [0.3f, -1.2f, 2.5f, 0.7f];

    [TestMethod]
    public void LoadsTheFallbackModelWhenThePrimaryIsCorrupt()
    {
        var classifier = TestModels.Classifier();
        var expected = DirectRun.Outputs(classifier, DirectRun.Tensor(Pixels, 1, 4))[0];
        var log = new List<string>();

        using var session = EdgeMLSession.Open(
            EdgeMLModelSource.FromBytes(RuntimeTestModels.Corrupt(), "digits"),
            new EdgeMLModelOptions { Log = log.Add },
            EdgeMLModelSource.FromBytes(classifier.Bytes(), "digits-float"));

        var scores = new float[3];
        session.Run(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3]);
        CollectionAssert.AreEqual(expected, scores);
        Assert.IsTrue(session.IsUsingFallbackModel);
        Assert.AreEqual(1, session.FallbackCount);
        Assert.HasCount(1, log);
        Assert.Contains("cannot load digits", log[0]);
        Assert.Contains("Using the fallback model digits-float", log[0]);
    }

    [TestMethod]
    public void SwitchesToTheFallbackModelWhenARunFails()
    {
        var classifier = TestModels.Classifier();
        var expected = DirectRun.Outputs(classifier, DirectRun.Tensor(Pixels, 1, 4))[0];
        var log = new List<string>();
        using var session = EdgeMLSession.Open(
            EdgeMLModelSource.FromBytes(RuntimeTestModels.FailsAtRunTime(), "broken"),
            new EdgeMLModelOptions { Log = log.Add },
            EdgeMLModelSource.FromBytes(classifier.Bytes(), "float"));
        Assert.IsFalse(session.IsUsingFallbackModel);

        for (var i = 0; i < 3; i++)
        {
            var scores = new float[3];
            session.Run(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3]);
            CollectionAssert.AreEqual(expected, scores);
        }

        Assert.IsTrue(session.IsUsingFallbackModel);
        Assert.AreEqual(1, session.FallbackCount, "once switched, runs go to the fallback model directly");
        Assert.HasCount(1, log);
        Assert.Contains("running broken failed", log[0]);
    }

    [TestMethod]
    public void TheMultiInputRunAlsoSwitchesToTheFallbackModel()
    {
        using var session = EdgeMLSession.Open(
            EdgeMLModelSource.FromBytes(RuntimeTestModels.FailsAtRunTime(), "broken"),
            fallbackModel: EdgeMLModelSource.FromBytes(TestModels.Classifier().Bytes(), "float"));
        using var inputs = session.CreateInputs();
        inputs.Set(0, Pixels, [1, 4]);

        using var outputs = session.Run(inputs);

        Assert.HasCount(3, outputs.ToArray<float>(0));
        Assert.IsTrue(session.IsUsingFallbackModel);
    }

    [TestMethod]
    public void UsesTheCallersFallbackWhenARunFailsAndNoModelCanStandIn()
    {
        var log = new List<string>();
        using var session = EdgeMLSession.Open(EdgeMLModelSource.FromBytes(RuntimeTestModels.FailsAtRunTime(), "broken"), new EdgeMLModelOptions { Log = log.Add });
        var scores = new float[3];

        session.Run(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3], (input, output) => output.Fill(input[0]));

        CollectionAssert.AreEqual(new[] { 0.3f, 0.3f, 0.3f }, scores);
        Assert.AreEqual(1, session.FallbackCount);
        Assert.HasCount(1, log);
        Assert.Contains("Using the caller's fallback", log[0]);
    }

    [TestMethod]
    public void UsesTheCallersFallbackWhenTheFallbackModelFailsToo()
    {
        using var session = EdgeMLSession.Open(
            EdgeMLModelSource.FromBytes(RuntimeTestModels.FailsAtRunTime(), "broken"),
            fallbackModel: EdgeMLModelSource.FromBytes(RuntimeTestModels.Corrupt(), "corrupt"));
        var scores = new float[3];

        session.Run(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3], (_, output) => output.Fill(7f));

        CollectionAssert.AreEqual(new[] { 7f, 7f, 7f }, scores);
        Assert.IsFalse(session.IsUsingFallbackModel);
    }

    [TestMethod]
    public void RejectsAFallbackModelWithOtherInputsOrOutputs()
    {
        var log = new List<string>();
        using var session = EdgeMLSession.Open(
            EdgeMLModelSource.FromBytes(RuntimeTestModels.FailsAtRunTime(), "broken"),
            new EdgeMLModelOptions { Log = log.Add },
            EdgeMLModelSource.FromBytes(TestModels.TwoInputsTwoOutputs().Bytes(), "other"));

        Assert.ThrowsExactly<OnnxRuntimeException>(() => session.Run(0, Pixels, [1, 4], 0, new float[3].AsSpan(), [1, 3]));
        Assert.Contains("its inputs and outputs differ", log.Single());
    }

    [TestMethod]
    public void ThrowsWhenNeitherModelLoads()
    {
        var error = Assert.ThrowsExactly<EdgeMLModelLoadException>(() => EdgeMLSession.Open(
            EdgeMLModelSource.FromBytes(RuntimeTestModels.Corrupt(), "a"),
            fallbackModel: EdgeMLModelSource.FromBytes(RuntimeTestModels.Corrupt(), "b")));

        Assert.Contains("'b'", error.Message);
    }

    [TestMethod]
    public void TryRunReportsFailuresInsteadOfThrowing()
    {
        using var broken = EdgeMLSession.FromBytes(RuntimeTestModels.FailsAtRunTime());
        using var working = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        var scores = new float[3];

        Assert.IsFalse(broken.TryRun(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3], out var runError));
        Assert.IsInstanceOfType<OnnxRuntimeException>(runError);
        Assert.IsFalse(working.TryRun(0, Pixels.AsSpan(0, 3), [1, 4], 0, scores.AsSpan(), [1, 3], out var argumentError));
        Assert.IsInstanceOfType<ArgumentException>(argumentError);
        Assert.IsTrue(working.TryRun(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3], out var noError));
        Assert.IsNull(noError);
    }

    [TestMethod]
    public void NamesSourcesAfterTheirFiles()
    {
        Assert.AreEqual("digits", EdgeMLModelSource.FromFile("/models/digits.onnx").Name);
        Assert.AreEqual("digits", EdgeMLModelSource.FromEmbeddedResource(typeof(FallbackTests).Assembly, "EdgeML/digits.onnx").Name);
        Assert.AreEqual("digits 2.1", (EdgeMLModelSource.FromBytes([], "digits") with { Version = "2.1" }).ToString());
    }
}
