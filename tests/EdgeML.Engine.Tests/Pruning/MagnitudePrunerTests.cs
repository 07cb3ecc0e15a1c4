using EdgeML.Engine.Calibration;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Pruning;

[TestClass]
public sealed class MagnitudePrunerTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    [TestMethod]
    public void LayerScopeBringsEveryWeightToItsSparsity()
    {
        var model = ConvNet();

        var (pruned, report) = MagnitudePruner.Apply(model, Step(0.6));

        CollectionAssert.AreEquivalent(new[] { "conv", "dense", "fc" }, report.Layers.Select(layer => layer.NodeName).ToArray());
        foreach (var layer in report.Layers)
        {
            var values = Weight(pruned, layer.Weight);
            Assert.AreEqual(values.Length, layer.Parameters);
            Assert.AreEqual(values.LongCount(value => value == 0f), layer.ZerosAfter, layer.NodeName);
            Assert.AreEqual(0.6, layer.Sparsity, 1.0 / layer.Parameters, layer.NodeName);
            Assert.AreEqual(0L, layer.ZerosBefore);
        }

        CollectionAssert.AreEquivalent(new[] { "Conv", "MatMul", "Gemm" }, report.Layers.Select(layer => layer.OpType).ToArray());
    }

    [TestMethod]
    public void PruningKeepsTheLargestWeights()
    {
        var model = ConvNet();

        var (pruned, report) = MagnitudePruner.Apply(model, Step(0.5));

        foreach (var layer in report.Layers)
        {
            var before = Weight(model, layer.Weight);
            var after = Weight(pruned, layer.Weight);
            var largestPruned = before.Where((_, i) => after[i] == 0f).Max(MathF.Abs);
            var smallestKept = after.Where(value => value != 0f).Min(MathF.Abs);
            Assert.IsLessThanOrEqualTo(smallestKept, largestPruned, layer.NodeName);
            CollectionAssert.AreEqual(before.Where((_, i) => after[i] != 0f).ToArray(), after.Where(value => value != 0f).ToArray(), "kept weights keep their values");
        }
    }

    [TestMethod]
    public void GlobalScopeUsesOneThresholdOverAllLayers()
    {
        // Layers of very different scales: one threshold prunes the small-weight layer far more.
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 32);
        var h = builder.Node("MatMul", [x, builder.Initializer("small", [32, 64], 0.1f)], "small_layer");
        builder.Output(builder.Node("MatMul", [h, builder.Initializer("large", [64, 16], 1f)], "large_layer"), 16);
        var model = builder.Build();

        var (pruned, report) = MagnitudePruner.Apply(model, Step(0.5, PruningScope.Global));

        Assert.AreEqual(0.5, report.Sparsity, 1.0 / report.Parameters);
        var small = report.Layers.Single(layer => layer.NodeName == "small_layer");
        var large = report.Layers.Single(layer => layer.NodeName == "large_layer");
        Assert.IsGreaterThan(0.6, small.Sparsity);
        Assert.IsLessThan(0.1, large.Sparsity);
        var all = Weight(pruned, "small").Concat(Weight(pruned, "large")).ToArray();
        var originals = Weight(model, "small").Concat(Weight(model, "large")).ToArray();
        Assert.IsLessThanOrEqualTo(all.Where(value => value != 0f).Min(MathF.Abs), originals.Where((_, i) => all[i] == 0f).Max(MathF.Abs));
    }

    [TestMethod]
    [DataRow(PruningScope.Layer)]
    [DataRow(PruningScope.Global)]
    public void OverridesAndSkipsAreHonoured(PruningScope scope)
    {
        var model = Mlp();
        var step = Step(0.5, scope, layers: new() { ["fc1"] = 0.2 }, skip: ["fc3"]);

        var (pruned, report) = MagnitudePruner.Apply(model, step);

        var fc1 = report.Layers.Single(layer => layer.NodeName == "fc1");
        Assert.AreEqual(0.2, fc1.Sparsity, 1.0 / fc1.Parameters);
        var fc2 = report.Layers.Single(layer => layer.NodeName == "fc2");
        Assert.AreEqual(0.5, fc2.Sparsity, 1.0 / fc2.Parameters, "the only layer left in the global pool");
        Assert.AreEqual(new WholeLayer("fc3", "Gemm", "skipped by the recipe"), report.LeftWhole.Single());
        Assert.AreEqual(Initializer(model, "fc3.weight"), Initializer(pruned, "fc3.weight"));
    }

    [TestMethod]
    public void BiasesAndOtherOperatorsAreUntouched()
    {
        var model = ConvNet();

        var (pruned, _) = MagnitudePruner.Apply(model, Step(0.9, ops: ["Conv"]));

        foreach (var name in new[] { "conv.bias", "dense/kernel", "dense/bias", "fc.weight", "fc.bias" })
        {
            Assert.AreEqual(Initializer(model, name), Initializer(pruned, name), name);
        }

        Assert.AreNotEqual(Initializer(model, "conv.weight"), Initializer(pruned, "conv.weight"));
    }

    [TestMethod]
    public void ALayerWithoutAConstantFloatWeightIsLeftWholeWithTheReason()
    {
        var builder = new TestModelBuilder();
        var a = builder.Input("a", 8);
        var b = builder.Input("b", 8);
        builder.Output(builder.Node("MatMul", [a, b], "dynamic"), 8);

        var (_, report) = MagnitudePruner.Apply(builder.Build(), Step(0.5));

        Assert.IsEmpty(report.Layers);
        Assert.AreEqual(new WholeLayer("dynamic", "MatMul", "its weight is not a constant initializer"), report.LeftWhole.Single());
    }

    [TestMethod]
    public void ZerosAlreadyInAWeightCountTowardsItsSparsity()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 4);
        builder.Output(builder.Node("MatMul", [x, builder.Initializer("w", [4, 2], [0f, 0f, 0f, 1f, -2f, 3f, -4f, 5f])], "mm"), 2);

        var (pruned, report) = MagnitudePruner.Apply(builder.Build(), Step(0.5));

        Assert.AreEqual(new PrunedLayer("mm", "MatMul", "w", 8, 3, 4), report.Layers.Single());
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 0f, -2f, 3f, -4f, 5f }, Weight(pruned, "w"));
    }

    [TestMethod]
    public void AnOverrideForAMissingNodeIsAnErrorAtItsName()
    {
        var at = new SourceLocation("test.edgeml.yaml", 7, 17);
        var step = Step(0.5) with { LayerSparsity = new Dictionary<string, Located<double>> { ["fc9"] = new(0.3, at) } };

        var error = Assert.ThrowsExactly<EdgeMLException>(() => MagnitudePruner.Apply(Mlp(), step)).Diagnostic;

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Code);
        Assert.AreEqual(at, error.Location);
        Assert.Contains("'fc9'", error.Message);
        Assert.Contains("did you mean 'fc1'?", error.Message);
    }

    [TestMethod]
    public void ZeroSparsityLeavesTheModelByteForByte()
    {
        var model = ConvNet();

        var (pruned, report) = MagnitudePruner.Apply(model, Step(0));

        CollectionAssert.AreEqual(model.ToByteArray(), pruned.ToByteArray());
        Assert.AreEqual(0, report.Sparsity);
    }

    [TestMethod]
    public void PrunedModelRunsInOnnxRuntimeCloseToTheOriginal()
    {
        var model = ConvNet();
        var data = RandomData.Uniform(64, 3 * 8 * 8);

        var (pruned, _) = MagnitudePruner.Apply(model, Step(0.3));

        using var before = ModelRunner.Create(model.ToByteArray(), "original");
        using var after = ModelRunner.Create(pruned.ToByteArray(), "pruned");
        var similarity = ModelEvaluation.Run(after, data, Here).MeanCosineSimilarityWith(ModelEvaluation.Run(before, data, Here));
        Assert.IsGreaterThan(0.95, similarity);
        Assert.IsLessThan(1.0, similarity, "pruning changed the outputs");
    }

    [TestMethod]
    public void PrunedZerosStayExactlyZeroThroughInt8Quantization()
    {
        var model = Mlp();
        var (pruned, report) = MagnitudePruner.Apply(model, Step(0.5));
        var quantize = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null);
        var plan = QdqQuantizer.Plan(pruned, quantize);
        var ranges = ActivationCalibrator.Collect(pruned, plan.TensorsToCalibrate, RandomData.Uniform(32, 64), Here);

        var quantized = QdqQuantizer.Apply(pruned, plan, ranges, quantize);

        foreach (var layer in report.Layers)
        {
            var floats = Weight(pruned, layer.Weight);
            var int8 = Initializer(quantized, $"{layer.Weight}_quantized").ToByteArray();
            Assert.HasCount(floats.Length, int8);
            for (var i = 0; i < floats.Length; i++)
            {
                Assert.AreEqual(floats[i] == 0f, int8[i] == 0, $"{layer.Weight}[{i}]: zero in float exactly when zero in int8");
            }
        }
    }

    private static PruneStep Step(double sparsity, PruningScope scope = PruningScope.Layer, Dictionary<string, double>? layers = null, string[]? skip = null, string[]? ops = null) =>
        new(
            Here,
            new Located<double>(sparsity, Here),
            scope,
            (layers ?? []).ToDictionary(pair => pair.Key, pair => new Located<double>(pair.Value, Here)),
            ops ?? PruneStep.DefaultOpTypes,
            skip ?? []);

    private static ModelProto Mlp()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 64);
        var h = builder.Relu(builder.Gemm(x, 64, 128, "fc1"));
        h = builder.Relu(builder.Gemm(h, 128, 64, "fc2"));
        builder.Output(builder.Gemm(h, 64, 10, "fc3"), 10);
        return builder.Build();
    }

    private static ModelProto ConvNet()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var c = builder.Relu(builder.Conv(image, 3, 8, 3, "conv"));
        var flat = builder.Node("Flatten", [c], "flatten");
        var d = builder.Relu(builder.MatMulAdd(flat, 8 * 8 * 8, 32, "dense"));
        builder.Output(builder.Gemm(d, 32, 10, "fc"), 10);
        return builder.Build();
    }

    private static ByteString Initializer(ModelProto model, string name) =>
        model.Graph.Initializer.Single(tensor => tensor.Name == name).RawData;

    private static float[] Weight(ModelProto model, string name) =>
        Tensors.ToFloats(model.Graph.Initializer.Single(tensor => tensor.Name == name));
}
