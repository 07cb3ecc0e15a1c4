using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning.Structured;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Pruning.Structured;

[TestClass]
public sealed class LayerReconstructionTests
{
    [TestMethod]
    public void RefittingToTheOriginalModelWinsBackFidelity()
    {
        var model = ConvNet();
        var calibration = RandomData.Uniform(256, 3 * 8 * 8, seed: 5);
        var test = RandomData.Uniform(300, 3 * 8 * 8, seed: 77);
        var step = ChannelPrunerTests.Step(0.5) with { Reconstruct = true };

        var (plain, _) = ChannelPruner.Apply(model, step with { Reconstruct = false }, null);
        var (refitted, report) = ChannelPruner.Apply(model, step, calibration);

        Assert.IsTrue(report.Reconstructed);
        CollectionAssert.AreEquivalent(new[] { "conv2", "conv3", "head" }, report.Reconstructions.Select(r => r.Node).ToArray());
        Assert.IsTrue(report.Reconstructions.All(r => r.MeanSquaredErrorAfter < r.MeanSquaredErrorBefore), string.Join("; ", report.Reconstructions));
        var (original, pruned) = ChannelPrunerTests.Compare(model, plain, test);
        var (_, reconstructed) = ChannelPrunerTests.Compare(model, refitted, test);
        var plainCosine = pruned.MeanCosineSimilarityWith(original);
        var refittedCosine = reconstructed.MeanCosineSimilarityWith(original);
        var message = $"cosine {plainCosine:F4} → {refittedCosine:F4}, agreement {pruned.AgreementWith(original):F3} → {reconstructed.AgreementWith(original):F3}";
        Assert.IsGreaterThan(plainCosine + 0.3, refittedCosine, message);
        Assert.IsGreaterThan(pruned.AgreementWith(original) + 0.4, reconstructed.AgreementWith(original), message);
    }

    [TestMethod]
    public void CholeskySolvesASymmetricPositiveDefiniteSystem()
    {
        double[][] matrix = [[4, 12, -16], [12, 37, -43], [-16, -43, 98]];

        var solution = CholeskySolver.Factor(matrix).Solve([1, 2, 3]);

        for (var i = 0; i < 3; i++)
        {
            Assert.AreEqual(i + 1, matrix[i].Zip(solution).Sum(p => p.First * p.Second), 1e-9);
        }

        Assert.ThrowsExactly<InvalidOperationException>(() => CholeskySolver.Factor([[1, 2], [2, 1]]));
    }

    [TestMethod]
    public void NormalEquationsRecoverAnExactLinearMapAndItsBias()
    {
        var random = new Random(3);
        const int rows = 200;
        var x = Enumerable.Range(0, 2 * rows).Select(_ => (float)random.NextDouble()).ToArray();
        // y = 2·x0 − 3·x1 + 0.5, stored feature by feature like x.
        var y = Enumerable.Range(0, rows).Select(r => (2 * x[r]) - (3 * x[rows + r]) + 0.5f).ToArray();
        var equations = new NormalEquations(2, 1);
        equations.Add(x, y, rows);

        var (weights, bias) = equations.Solve(ridge: 1e-9, intercept: true);

        Assert.AreEqual(2, weights[0][0], 1e-3);
        Assert.AreEqual(-3, weights[0][1], 1e-3);
        Assert.AreEqual(0.5, bias[0], 1e-3);
        Assert.IsLessThan(1e-6, equations.MeanSquaredError(weights, bias));
        Assert.AreEqual(y.Average(v => (double)v * v), equations.MeanSquaredError([[0, 0]], [0]), 1e-4);
    }

    // Random weights, no dead channels: pruning half of them really changes the outputs.
    private static ModelProto ConvNet()
    {
        var builder = new TestModelBuilder(seed: 4);
        var image = builder.Input("image", 3, 8, 8);
        var h = builder.Relu(builder.Conv(image, 3, 16, 3, "conv1"));
        h = builder.Relu(builder.Conv(h, 16, 16, 3, "conv2"));
        h = builder.Relu(builder.Conv(h, 16, 16, 3, "conv3"));
        builder.Output(ChannelPrunerTests.Head(builder, h, 16), 10);
        return builder.Build();
    }
}
