using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Quantization;

[TestClass]
public sealed class QdqQuantizerTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    [TestMethod]
    public void QuantizedMlpStaysFaithfulAndShrinksToAQuarter()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 256);
        var h = builder.Relu(builder.Gemm(x, 256, 512));
        h = builder.Relu(builder.Gemm(h, 512, 256));
        builder.Output(builder.Gemm(h, 256, 10), 10);
        var model = builder.Build();

        var (quantized, _) = Quantize(model, Step(), RandomData.Uniform(64, 256));

        var test = RandomData.Uniform(200, 256, seed: 99);
        var (before, after) = Compare(model, quantized, test);
        Assert.IsGreaterThan(0.999, after.MeanCosineSimilarityWith(before));
        Assert.IsGreaterThanOrEqualTo(0.97, after.AgreementWith(before));
        Assert.IsLessThan(0.27, quantized.CalculateSize() / (double)model.CalculateSize());
    }

    [TestMethod]
    public void OnnxRuntimeRunsTheQuantizedLayersAsIntegerKernels()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 16, 16);
        var c = builder.Relu(builder.Conv(image, 3, 8, 3, "conv"));
        var flat = builder.Node("Flatten", [c], "flatten");
        var d = builder.Relu(builder.MatMulAdd(flat, 8 * 16 * 16, 32, "dense"));
        builder.Output(builder.Gemm(d, 32, 10, "fc"), 10);
        var model = builder.Build();

        var (quantized, plan) = Quantize(model, Step(), RandomData.Uniform(32, 3 * 16 * 16));

        CollectionAssert.AreEquivalent(new[] { "conv", "flatten", "dense", "dense_add", "fc" }, plan.QuantizedNodeNames.ToArray());
        var operators = OnnxRuntimeGraph.OptimizedOperators(quantized.ToByteArray());
        CollectionAssert.Contains(operators.ToArray(), "QLinearConv", string.Join(", ", operators));
        CollectionAssert.Contains(operators.ToArray(), "QGemm", string.Join(", ", operators));
        CollectionAssert.DoesNotContain(operators.ToArray(), "Conv");
        CollectionAssert.DoesNotContain(operators.ToArray(), "Gemm");
    }

    [TestMethod]
    public void WeightsBecomePerChannelSymmetricInt8AndReluIsFolded()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 16);
        builder.Output(builder.Relu(builder.Gemm(x, 16, 8)), 8);
        var model = builder.Build();

        var (quantized, _) = Quantize(model, Step(), RandomData.Uniform(16, 16));

        var graph = quantized.Graph;
        Assert.IsFalse(graph.Node.Any(n => n.OpType == "Relu"), "the ReLU is folded into the output quantization");
        var weight = graph.Initializer.Single(t => t.Name == "fc1.weight_quantized");
        Assert.AreEqual((int)TensorProto.Types.DataType.Int8, weight.DataType);
        var scale = graph.Initializer.Single(t => t.Name == "fc1.weight_scale");
        CollectionAssert.AreEqual(new long[] { 8 }, scale.Dims.ToArray(), "one scale per output channel");
        var weightDequantize = graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == weight.Name);
        Assert.AreEqual(0L, weightDequantize.GetInt("axis", -1), "transB=1: output channels are the rows");
        var values = weight.RawData.ToByteArray().Select(b => (sbyte)b).ToArray();
        Assert.AreEqual(127, values.Max(v => Math.Abs((int)v)), "symmetric: the largest weight maps to ±127");
        Assert.IsFalse(graph.Initializer.Any(t => t.Name == "fc1.weight"), "the float weight is gone");
        var gemmOutput = graph.Node.Single(n => n.OpType == "Gemm").Output[0];
        Assert.AreEqual(gemmOutput, graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] != "x").Input[0], "the Gemm feeds the output quantization directly");
        var last = graph.Node.Last();
        Assert.AreEqual("DequantizeLinear", last.OpType);
        Assert.AreEqual(graph.Output[0].Name, last.Output[0], "the graph output keeps its name");
    }

    [TestMethod]
    public void ReluOutputsStayExactlyNonNegative()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 32);
        builder.Output(builder.Relu(builder.Gemm(x, 32, 16)), 16);
        var model = builder.Build();

        var (quantized, _) = Quantize(model, Step(), RandomData.Uniform(32, 32, min: -1));

        var (_, after) = Compare(model, quantized, RandomData.Uniform(50, 32, seed: 3, min: -1));
        Assert.IsTrue(after.Outputs.All(v => v >= 0f), "a folded ReLU still clamps at zero");
        Assert.IsTrue(after.Outputs.Any(v => v == 0f), "and negative values become exactly zero");
    }

    [TestMethod]
    public void NodesThatCannotBeQuantizedStayInFloatWithAReason()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 8);
        var scaled = builder.Gemm(x, 8, 8, "scaled", Nodes.Float("alpha", 2f));
        var excluded = builder.Gemm(scaled, 8, 8, "excluded");
        builder.Output(builder.Gemm(excluded, 8, 4, "kept"), 4);
        var model = builder.Build();

        var step = Step() with { ExcludeNodes = ["excluded"] };
        var (quantized, plan) = Quantize(model, step, RandomData.Uniform(8, 8));

        CollectionAssert.AreEqual(new[] { "kept" }, plan.QuantizedNodeNames.ToArray());
        Assert.AreEqual("excluded by the recipe", plan.Skipped.Single(s => s.NodeName == "excluded").Reason);
        StringAssert.Contains(plan.Skipped.Single(s => s.NodeName == "scaled").Reason, "alpha=2");
        var (before, after) = Compare(model, quantized, RandomData.Uniform(20, 8, seed: 5));
        Assert.IsGreaterThan(0.999, after.MeanCosineSimilarityWith(before));
    }

    [TestMethod]
    public void AWeightSharedByTwoLayersIsQuantizedOnce()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 16);
        var shared = builder.Initializer("shared", [16, 16], 0.3f);
        var first = builder.Node("MatMul", [x, shared], "first");
        builder.Output(builder.Node("MatMul", [first, shared], "second"), 16);
        var model = builder.Build();

        var (quantized, plan) = Quantize(model, Step(), RandomData.Uniform(16, 16));

        Assert.HasCount(2, plan.QuantizedNodeNames);
        Assert.AreEqual(1, quantized.Graph.Initializer.Count(t => t.DataType == (int)TensorProto.Types.DataType.Int8 && t.Dims.Count == 2));
        var (before, after) = Compare(model, quantized, RandomData.Uniform(20, 16, seed: 8));
        Assert.IsGreaterThan(0.99, after.MeanCosineSimilarityWith(before));
    }

    [TestMethod]
    public void PerTensorModeUsesOneScale()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 16);
        builder.Output(builder.Gemm(x, 16, 8), 8);
        var model = builder.Build();

        var (quantized, _) = Quantize(model, Step() with { PerChannel = false }, RandomData.Uniform(16, 16));

        Assert.AreEqual(0, quantized.Graph.Initializer.Single(t => t.Name == "fc1.weight_scale").Dims.Count);
        var (before, after) = Compare(model, quantized, RandomData.Uniform(20, 16, seed: 2));
        Assert.IsGreaterThan(0.99, after.MeanCosineSimilarityWith(before));
    }

    [TestMethod]
    public void ActivationsAreUInt8ByDefaultAndInt8OnRequest()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 16);
        builder.Output(builder.Gemm(x, 16, 8), 8);
        var model = builder.Build();

        var (byDefault, _) = Quantize(model, Step(), RandomData.Uniform(16, 16));
        var (quantized, _) = Quantize(model, Step() with { Activations = ActivationType.Int8 }, RandomData.Uniform(16, 16));

        Assert.IsTrue(byDefault.Graph.Node.Where(n => n.OpType == "QuantizeLinear")
            .All(n => byDefault.Graph.Initializer.Single(t => t.Name == n.Input[2]).DataType == (int)TensorProto.Types.DataType.Uint8));
        Assert.IsTrue(quantized.Graph.Node.Where(n => n.OpType == "QuantizeLinear")
            .All(n => quantized.Graph.Initializer.Single(t => t.Name == n.Input[2]).DataType == (int)TensorProto.Types.DataType.Int8));
        var (before, after) = Compare(model, quantized, RandomData.Uniform(20, 16, seed: 2));
        Assert.IsGreaterThan(0.999, after.MeanCosineSimilarityWith(before));
    }

    [TestMethod]
    public void PerChannelQuantizationOfAnOldOpsetIsAClearError()
    {
        var builder = new TestModelBuilder(opset: 11);
        var x = builder.Input("x", 4);
        builder.Output(builder.Gemm(x, 4, 2), 2);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => QdqQuantizer.Plan(builder.Build(), Step()));

        Assert.AreEqual(DiagnosticCodes.ModelUnsupported, error.Diagnostic.Code);
        StringAssert.Contains(error.Message, "opset 11");
        Assert.AreEqual(Here, error.Diagnostic.Location);
    }

    private static QuantizeStep Step() =>
        new(Here, WeightType.Int8, QuantizeStep.DefaultActivations, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null);

    private static (ModelProto Model, QuantizationPlan Plan) Quantize(ModelProto model, QuantizeStep step, LabeledDataset calibration)
    {
        var plan = QdqQuantizer.Plan(model, step);
        var ranges = ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, Here);
        return (QdqQuantizer.Apply(model, plan, ranges, step), plan);
    }

    private static (ModelEvaluation Before, ModelEvaluation After) Compare(ModelProto original, ModelProto quantized, LabeledDataset data)
    {
        using var before = ModelRunner.Create(original.ToByteArray(), "original");
        using var after = ModelRunner.Create(quantized.ToByteArray(), "quantized");
        return (ModelEvaluation.Run(before, data, Here), ModelEvaluation.Run(after, data, Here));
    }
}
