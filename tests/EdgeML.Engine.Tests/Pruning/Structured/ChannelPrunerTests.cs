using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning.Structured;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Pruning.Structured;

/// <summary>
/// Models whose least important channels are dead (zero weights and bias), so that pruning them must leave the
/// outputs unchanged: that checks every coupled slice exactly, on top of ONNX Runtime loading the result.
/// </summary>
[TestClass]
public sealed class ChannelPrunerTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 4, 5);

    [TestMethod]
    public void ConvBatchNormChainHalvesItsMultiplyAdds()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 16, 16);
        var h = builder.Relu(builder.BatchNormalization(builder.Conv(image, 3, 20, 3, "conv1"), 20, "bn1"));
        h = builder.Relu(builder.Conv(h, 20, 20, 3, "conv2"));
        builder.Output(Head(builder, h, 20), 10);
        var model = builder.Build();
        KillConv(model, "conv1", Dead(6));
        Zero(model, "bn1.bias", 0, Dead(6));
        Zero(model, "bn1.mean", 0, Dead(6));
        KillConv(model, "conv2", Dead(6));

        var (pruned, report) = Prune(model, Step(0.3));

        Assert.HasCount(2, report.Groups);
        Assert.IsTrue(report.Groups.All(g => g is { ChannelsBefore: 20, ChannelsAfter: 14 }));
        Assert.IsLessThan(0.55, report.MultiplyAddRatio);
        CollectionAssert.AreEqual(new long[] { 14 }, Initializer(pruned, "bn1.var").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 14, 14, 3, 3 }, Initializer(pruned, "conv2.weight").Dims.ToArray());
        AssertSameOutputs(model, pruned, 3 * 16 * 16);
    }

    [TestMethod]
    public void ResidualAdditionCouplesBothProducersToTheSameChannels()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var stem = builder.Relu(builder.Conv(image, 3, 10, 3, "stem"));
        var block = builder.Conv(builder.Relu(builder.Conv(stem, 10, 10, 3, "block_a")), 10, 10, 3, "block_b");
        var sum = builder.Relu(builder.Node("Add", [stem, block], "residual"));
        builder.Output(Head(builder, sum, 10), 10);
        var model = builder.Build();
        KillConv(model, "stem", Dead(3));
        KillConv(model, "block_a", Dead(3));
        KillConv(model, "block_b", Dead(3));

        var (pruned, report) = Prune(model, Step(0.3));

        var coupled = report.Groups.Single(g => g.Producers.Count == 2);
        CollectionAssert.AreEquivalent(new[] { "stem", "block_b" }, coupled.Producers.ToArray());
        Assert.AreEqual(7, coupled.ChannelsAfter);
        Assert.AreEqual(7L, Initializer(pruned, "stem.weight").Dims[0]);
        Assert.AreEqual(7L, Initializer(pruned, "block_b.weight").Dims[0]);
        Assert.IsLessThan(0.55, report.MultiplyAddRatio);
        AssertSameOutputs(model, pruned, 3 * 8 * 8);
    }

    [TestMethod]
    public void ConcatOffsetsSliceTheNextConvolutionsInputChannels()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var left = builder.Relu(builder.Conv(image, 3, 10, 3, "left"));
        var right = builder.Relu(builder.Conv(image, 3, 10, 3, "right"));
        var joined = builder.Node("Concat", [left, right], "concat", Nodes.Int("axis", 1));
        var h = builder.Relu(builder.Conv(joined, 20, 12, 3, "merge"));
        builder.Output(Head(builder, h, 12), 10);
        var model = builder.Build();
        KillConv(model, "left", Dead(3));
        KillConv(model, "right", [7, 8, 9]);
        KillConv(model, "merge", Dead(3));

        var (pruned, report) = Prune(model, Step(0.3));

        Assert.HasCount(3, report.Groups);
        CollectionAssert.AreEqual(new long[] { 9, 14, 3, 3 }, Initializer(pruned, "merge.weight").Dims.ToArray());
        AssertSameOutputs(model, pruned, 3 * 8 * 8);
    }

    [TestMethod]
    public void DepthwiseConvolutionFollowsItsInputChannels()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var h = builder.Relu(builder.Conv(image, 3, 10, 3, "expand"));
        h = builder.Relu(builder.DepthwiseConv(h, 10, 3, "depthwise"));
        h = builder.Relu(builder.Conv(h, 10, 10, 1, "project", padding: 0));
        builder.Output(Head(builder, h, 10), 10);
        var model = builder.Build();
        KillConv(model, "expand", Dead(3));
        Zero(model, "depthwise.bias", 0, Dead(3));
        KillConv(model, "project", Dead(3));

        var (pruned, report) = Prune(model, Step(0.3));

        Assert.HasCount(2, report.Groups, "the depthwise conv joins its input's group instead of forming one");
        var depthwise = pruned.Graph.Node.Single(n => n.Name == "depthwise");
        Assert.AreEqual(7L, depthwise.GetInt("group", 0));
        CollectionAssert.AreEqual(new long[] { 7, 1, 3, 3 }, Initializer(pruned, "depthwise.weight").Dims.ToArray());
        AssertSameOutputs(model, pruned, 3 * 8 * 8);
    }

    [TestMethod]
    public void TransposedConvolutionLosesOutputChannelsAlongWeightAxisOne()
    {
        // ConvTranspose keeps its weight as [C_in, C_out, k, k]: the inverse of Conv's axes.
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var h = builder.Relu(builder.Conv(image, 3, 8, 3, "conv"));
        var up = builder.Initializer("up.weight", [8, 10, 2, 2], 0.5f);
        h = builder.Relu(builder.Node("ConvTranspose", [h, up, builder.Initializer("up.bias", [10], 0.1f)], "up", Nodes.Ints("kernel_shape", 2, 2), Nodes.Ints("strides", 2, 2)));
        h = builder.Relu(builder.Conv(h, 10, 6, 3, "refine"));
        builder.Output(Head(builder, h, 6), 10);
        var model = builder.Build();
        KillConv(model, "conv", Dead(2));
        Zero(model, "up.weight", 1, Dead(3));
        Zero(model, "up.bias", 0, Dead(3));
        KillConv(model, "refine", Dead(1));

        var (pruned, report) = Prune(model, Step(0.3));

        Assert.AreEqual(7, report.Groups.Single(g => g.Producers.Contains("up")).ChannelsAfter);
        CollectionAssert.AreEqual(new long[] { 6, 7, 2, 2 }, Initializer(pruned, "up.weight").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 7 }, Initializer(pruned, "up.bias").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 5, 7, 3, 3 }, Initializer(pruned, "refine.weight").Dims.ToArray());
        Assert.IsLessThan(0.75, report.MultiplyAddRatio);
        AssertSameOutputs(model, pruned, 3 * 8 * 8);
    }

    [TestMethod]
    public void FlattenMapsEachChannelToABlockOfGemmInputs()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var h = builder.Relu(builder.Conv(image, 3, 10, 3, "conv"));
        var flat = builder.Node("Flatten", [h], "flatten");
        builder.Output(builder.Gemm(flat, 10 * 64, 10, "fc"), 10);
        var model = builder.Build();
        KillConv(model, "conv", Dead(3));

        var (pruned, report) = Prune(model, Step(0.3));

        CollectionAssert.AreEqual(new long[] { 10, 7 * 64 }, Initializer(pruned, "fc.weight").Dims.ToArray());
        Assert.IsLessThan(0.75, report.MultiplyAddRatio);
        AssertSameOutputs(model, pruned, 3 * 8 * 8);
    }

    [TestMethod]
    public void MlpOfGemmAndMatMulLayersLosesNeurons()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 32);
        var h = builder.Relu(builder.Gemm(x, 32, 40, "fc1"));
        h = builder.Relu(builder.MatMulAdd(h, 40, 40, "dense"));
        builder.Output(builder.Gemm(h, 40, 10, "fc3"), 10);
        var model = builder.Build();
        KillRows(model, "fc1.weight", "fc1.bias", Dead(12));
        Zero(model, "dense/kernel", 1, Dead(12));
        Zero(model, "dense/bias", 0, Dead(12));

        var (pruned, report) = Prune(model, Step(0.3));

        Assert.IsTrue(report.Groups.All(g => g.ChannelsAfter == 28));
        CollectionAssert.AreEqual(new long[] { 28, 28 }, Initializer(pruned, "dense/kernel").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 28 }, Initializer(pruned, "dense/bias").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 10, 28 }, Initializer(pruned, "fc3.weight").Dims.ToArray());
        Assert.IsLessThan(0.6, report.MultiplyAddRatio);
        AssertSameOutputs(model, pruned, 32);
    }

    [TestMethod]
    public void AttentionCouplesQueriesWithKeysAndCarriesValuesToTheOutputProjection()
    {
        // One transformer attention block on [N, 8, 16] whose Q/K and V projections each have 8 dead dimensions.
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 8, 16);
        var q = builder.MatMulAdd(x, 16, 16, "q");
        var k = builder.MatMulAdd(x, 16, 16, "k");
        var v = builder.MatMulAdd(x, 16, 16, "v");
        var scores = builder.Node("MatMul", [q, builder.Node("Transpose", [k], "k_t", Nodes.Ints("perm", 0, 2, 1))], "scores");
        var weights = builder.Node("Softmax", [scores], "softmax", Nodes.Int("axis", -1));
        var context = builder.Node("MatMul", [weights, v], "context");
        var residual = builder.Node("Add", [x, builder.MatMulAdd(context, 16, 16, "out")], "residual");
        builder.Output(builder.Node("LayerNormalization", [residual, builder.Initializer("ln.scale", [16]), builder.Initializer("ln.bias", [16], 0.1f)], "ln", Nodes.Int("axis", -1)), 8, 16);
        var model = builder.Build();
        foreach (var projection in new[] { "q", "k", "v" })
        {
            Zero(model, $"{projection}/kernel", 1, Dead(8));
            Zero(model, $"{projection}/bias", 0, Dead(8));
        }

        var (pruned, report) = Prune(model, Step(0.5));

        var queryKey = report.Groups.SingleOrDefault(g => g.Producers.Contains("q"));
        Assert.IsNotNull(queryKey, string.Join("\n", report.LeftWhole.Select(g => $"{string.Join("+", g.Producers)}: {g.Reason}")));
        CollectionAssert.AreEquivalent(new[] { "q", "k" }, queryKey.Producers.ToArray(), "Q·Kᵀ makes queries and keys one group");
        Assert.AreEqual((16, 8), (queryKey.ChannelsBefore, queryKey.ChannelsAfter));
        Assert.AreEqual(8, report.Groups.Single(g => g.Producers.Contains("v")).ChannelsAfter);
        CollectionAssert.AreEqual(new long[] { 8, 16 }, Initializer(pruned, "out/kernel").Dims.ToArray(), "the output projection reads only the surviving value dimensions");
        Assert.IsTrue(report.LeftWhole.Any(g => g.Producers.Contains("out")), "the residual stream feeds a LayerNormalization and stays whole");
        var (before, after) = Compare(model, pruned, RandomData.Uniform(30, 8 * 16, seed: 5, min: -1));
        Assert.IsLessThan(1e-4f, after.MaxAbsoluteDifferenceWith(before));
    }

    [TestMethod]
    public void UnsupportedPathsAndSkippedNodesAreLeftWholeWithAReason()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var h = builder.Relu(builder.Conv(image, 3, 8, 3, "conv1"));
        h = builder.Node("Softmax", [h], "softmax", Nodes.Int("axis", 1));
        h = builder.Relu(builder.Conv(h, 8, 8, 3, "conv2"));
        h = builder.Relu(builder.Conv(h, 8, 8, 3, "conv3"));
        builder.Output(builder.Conv(h, 8, 4, 3, "conv4"), 4, 8, 8);
        var model = builder.Build();

        var step = Step(0.5) with { SkipNodes = ["conv3"] };
        var (pruned, report) = Prune(model, step);

        StringAssert.Contains(report.LeftWhole.Single(g => g.Producers.Contains("conv1")).Reason, "'softmax' (Softmax)");
        StringAssert.Contains(report.LeftWhole.Single(g => g.Producers.Contains("conv3")).Reason, "skipped by the recipe");
        StringAssert.Contains(report.LeftWhole.Single(g => g.Producers.Contains("conv4")).Reason, "graph output");
        Assert.AreEqual("conv2", report.Groups.Single().Producers.Single());
        Assert.AreEqual(4, report.Groups.Single().ChannelsAfter);
        Assert.IsLessThan(report.MultiplyAddsBefore, report.MultiplyAddsAfter);
        using var runner = ModelRunner.Create(pruned.ToByteArray(), "pruned");
        Assert.IsNotNull(ModelEvaluation.Run(runner, RandomData.Uniform(4, 3 * 64), Here));
    }

    [TestMethod]
    public void ActivationImportancePrunesChannelsSilentOnTheCalibrationData()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 16);
        var h = builder.Relu(builder.Gemm(x, 16, 16, "fc1"));
        builder.Output(builder.Gemm(h, 16, 4, "fc2"), 4);
        var model = builder.Build();
        // Neurons 0-3 have the largest weights, but only on features the calibration data leaves at zero.
        var weight = Tensors.ToFloats(Initializer(model, "fc1.weight"));
        for (var n = 0; n < 4; n++)
        {
            for (var f = 0; f < 16; f++)
            {
                weight[(n * 16) + f] = f < 8 ? 0f : 5f;
            }
        }

        Replace(model, Tensors.FromFloats("fc1.weight", [16, 16], weight));
        Zero(model, "fc1.bias", 0, Dead(4));
        var calibration = HalfSilent(RandomData.Uniform(64, 16, seed: 3));

        var (byWeights, _) = Prune(model, Step(0.25));
        var (byActivation, report) = ChannelPruner.Apply(model, Step(0.25) with { Importance = ChannelImportance.Activation }, calibration);

        Assert.AreEqual(ChannelImportance.Activation, report.Groups.Single().Importance);
        CollectionAssert.AreEqual(weight[(4 * 16)..], Tensors.ToFloats(Initializer(byActivation, "fc1.weight")), "neurons 4-15 survive");
        CollectionAssert.AreEqual(weight[..16], Tensors.ToFloats(Initializer(byWeights, "fc1.weight"))[..16], "weight norms keep neuron 0");
        var (before, after) = Compare(model, byActivation, HalfSilent(RandomData.Uniform(50, 16, seed: 11)));
        Assert.IsLessThan(1e-4f, after.MaxAbsoluteDifferenceWith(before));
    }

    [TestMethod]
    public void ReconstructionOrActivationImportanceWithoutCalibrationDataIsAnError()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 4);
        builder.Output(builder.Gemm(builder.Gemm(x, 4, 4), 4, 2), 2);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => ChannelPruner.Apply(builder.Build(), Step(0.5) with { Reconstruct = true }, null));

        Assert.AreEqual(DiagnosticCodes.RecipeMissingKey, error.Diagnostic.Code);
        Assert.AreEqual(Here, error.Diagnostic.Location);
    }

    internal static PruneChannelsStep Step(double ratio) =>
        new(Here, new Located<double>(ratio, Here), ChannelImportance.L2, new Dictionary<string, Located<double>>(), [], Reconstruct: false, PruneChannelsStep.DefaultRidgeLambda, null);

    internal static (ModelEvaluation Before, ModelEvaluation After) Compare(ModelProto original, ModelProto pruned, LabeledDataset data)
    {
        using var before = ModelRunner.Create(original.ToByteArray(), "original");
        using var after = ModelRunner.Create(pruned.ToByteArray(), "pruned");
        return (ModelEvaluation.Run(before, data, Here), ModelEvaluation.Run(after, data, Here));
    }

    // Global pooling, then a classifier: the usual head of a convolutional network.
    internal static string Head(TestModelBuilder builder, string features, int channels)
    {
        var pooled = builder.Node("GlobalAveragePool", [features], builder.Graph.Node.Count + "_pool");
        return builder.Gemm(builder.Node("Flatten", [pooled], builder.Graph.Node.Count + "_flatten"), channels, 10, "head");
    }

    private static (ModelProto, ChannelPruningReport) Prune(ModelProto model, PruneChannelsStep step) => ChannelPruner.Apply(model, step, null);

    private static void AssertSameOutputs(ModelProto model, ModelProto pruned, int features)
    {
        Assert.IsLessThan(model.CalculateSize(), pruned.CalculateSize());
        var (before, after) = Compare(model, pruned, RandomData.Uniform(40, features, seed: 21, min: -1));
        Assert.IsLessThan(1e-4f, after.MaxAbsoluteDifferenceWith(before));
    }

    private static int[] Dead(int count) => Enumerable.Range(0, count).ToArray();

    private static void KillConv(ModelProto model, string name, int[] channels)
    {
        Zero(model, $"{name}.weight", 0, channels);
        Zero(model, $"{name}.bias", 0, channels);
    }

    private static void KillRows(ModelProto model, string weight, string bias, int[] rows)
    {
        Zero(model, weight, 0, rows);
        Zero(model, bias, 0, rows);
    }

    internal static void Zero(ModelProto model, string name, int axis, int[] channels)
    {
        var tensor = Initializer(model, name);
        var values = Tensors.ToFloats(tensor);
        var length = (int)tensor.Dims[axis];
        var inner = (int)Tensors.ElementCount(tensor.Dims.Skip(axis + 1));
        for (var i = 0; i < values.Length; i++)
        {
            if (channels.Contains(i / inner % length))
            {
                values[i] = 0f;
            }
        }

        Replace(model, Tensors.FromFloats(name, [.. tensor.Dims], values));
    }

    private static void Replace(ModelProto model, TensorProto tensor)
    {
        var index = model.Graph.Initializer.ToList().FindIndex(t => t.Name == tensor.Name);
        model.Graph.Initializer[index] = tensor;
    }

    internal static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(t => t.Name == name);

    private static LabeledDataset HalfSilent(LabeledDataset data)
    {
        var features = (float[])data.Features.Clone();
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = i % data.FeatureCount < 8 ? features[i] : 0f;
        }

        return new LabeledDataset("half silent", features, data.FeatureCount, null);
    }
}
