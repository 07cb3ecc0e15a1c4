using EdgeML.Engine.Tests.CodeGen;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Runtime;

/// <summary>The span run, once warm, allocates nothing and still returns exactly what ONNX Runtime returns.</summary>
[TestClass]
[DoNotParallelize] // a telemetry listener in a parallel test would make runs record, and allocate, on this thread
public sealed class SteadyStateTests
{
    private static readonly float[] Pixels = [0.3f, -1.2f, 2.5f, 0.7f];

    // Fields rather than literals: unoptimized (Debug) test code allocates a field handle for each span literal.
    private static readonly long[] PixelsShape = [1, 4];
    private static readonly long[] ScoresShape = [1, 3];

    [TestMethod]
    public void WarmRunsAllocateNothing()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        var scores = new float[3];
        for (var i = 0; i < 10; i++)
        {
            session.Run(0, Pixels, PixelsShape, 0, scores.AsSpan(), ScoresShape);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            session.Run(0, Pixels, PixelsShape, 0, scores.AsSpan(), ScoresShape);
        }

        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    public void WarmRunsMatchOnnxRuntimeWhateverTheShapeOfThePreviousRun()
    {
        var model = TestModels.Classifier();
        var batch = Pixels.Concat(Pixels.Select(p => p * 2)).ToArray();
        var expectedOne = DirectRun.Outputs(model, DirectRun.Tensor(Pixels, 1, 4))[0];
        var expectedTwo = DirectRun.Outputs(model, DirectRun.Tensor(batch, 2, 4))[0];
        using var session = EdgeMLSession.FromBytes(model.Bytes());

        for (var round = 0; round < 3; round++)
        {
            var one = new float[3];
            session.Run(0, Pixels, [1, 4], 0, one.AsSpan(), [1, 3]);
            var two = new float[6];
            session.Run(0, batch, [2, 4], 0, two.AsSpan(), [2, 3]);

            CollectionAssert.AreEqual(expectedOne, one, $"round {round}");
            CollectionAssert.AreEqual(expectedTwo, two, $"round {round}");
        }
    }

    [TestMethod]
    public void WarmupRunsEveryInputOnZeros()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.TwoInputsTwoOutputs().Bytes());

        session.Warmup();

        using var strings = EdgeMLSession.FromBytes(TestModels.Strings().Bytes());
        strings.Warmup();
    }
}
