using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Quantization;

/// <summary>
/// The operator registry of static quantization: each operator in the QDQ form that ONNX Runtime turns into an integer
/// kernel, checked on ONNX Runtime's own optimized graph, with the float model's outputs as the reference.
/// </summary>
[TestClass]
public sealed class QdqOperatorRegistryTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    [TestMethod]
    public void AResidualCnnRunsAsIntegerKernelsEndToEnd()
    {
        var model = ResidualCnn();

        var (quantized, plan) = Quantize(model, Step());

        Assert.IsEmpty(plan.Skipped);
        var optimized = OnnxRuntimeGraph.OptimizedGraph(quantized.ToByteArray());
        var operators = optimized.Node.Select(n => n.OpType).ToArray();
        var listing = string.Join(", ", operators);
        CollectionAssert.IsSubsetOf(new[] { "QLinearConv", "QLinearAdd", "QLinearGlobalAveragePool", "QGemm" }, operators, listing);
        foreach (var floatOperator in new[] { "Conv", "Add", "Relu", "GlobalAveragePool", "Gemm" })
        {
            CollectionAssert.DoesNotContain(operators, floatOperator, listing);
        }

        // No float island: the input is quantized once and the logits dequantized once.
        Assert.AreEqual(1, operators.Count(op => op == "QuantizeLinear"), listing);
        Assert.AreEqual(1, operators.Count(op => op == "DequantizeLinear"), listing);

        // The residual block is QLinearConv → QLinearAdd → QLinearConv.
        var graph = new GraphIndex(optimized);
        var add = optimized.Node.Single(n => n.OpType == "QLinearAdd");
        Assert.IsTrue(new[] { add.Input[0], add.Input[3] }.All(input => graph.Producers[input].OpType == "QLinearConv"), "both Add inputs come from integer convolutions");
        Assert.AreEqual("QLinearConv", graph.ConsumersOf(add.Output[0]).Single().OpType);
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 3 * 8 * 8));
    }

    [TestMethod]
    public void EveryQuantizedTensorHasOneQdqPairSharedByItsReaders()
    {
        var model = ResidualCnn();

        var (quantized, _) = Quantize(model, Step());

        // The stem's output feeds the next convolution and the residual Add.
        var quantizers = quantized.Graph.Node.Where(n => n.OpType == "QuantizeLinear").ToArray();
        CollectionAssert.AllItemsAreUnique(quantizers.Select(q => q.Input[0]).ToArray());
        var stem = QuantizerOf(quantized, "stem_output");
        Assert.AreEqual("stem_conv_output", stem.Input[0], "the stem's ReLU is folded into the quantization of its convolution's output");
        Assert.HasCount(2, new GraphIndex(quantized.Graph).ConsumersOf("stem_output"));
    }

    [TestMethod]
    public void DataMovementOperatorsKeepTheirInputsScaleAndZeroPointSoOnnxRuntimeDropsTheirQdq()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var c = builder.Relu(builder.Conv(image, 3, 4, 3, "conv"));
        var pooled = builder.Node("MaxPool", [c], "pool", Nodes.Ints("kernel_shape", 2, 2), Nodes.Ints("strides", 2, 2));
        var moved = builder.Node("Transpose", [pooled], "transpose", Nodes.Ints("perm", 0, 1, 3, 2));
        var flat = builder.Node("Reshape", [moved, Shape(builder, [-1, 64])], "reshape");
        builder.Output(builder.Gemm(flat, 64, 10, "fc"), 10);
        var model = builder.Build();

        var (quantized, plan) = Quantize(model, Step());

        CollectionAssert.AreEquivalent(new[] { "conv", "pool", "transpose", "reshape", "fc" }, plan.QuantizedNodeNames.ToArray());
        var convOutput = QuantizerOf(quantized, c);
        foreach (var tensor in new[] { "pool_output", "transpose_output", "reshape_output" })
        {
            var quantizer = QuantizerOf(quantized, tensor);
            CollectionAssert.AreEqual(convOutput.Input.Skip(1).ToArray(), quantizer.Input.Skip(1).ToArray(), $"{tensor} reuses the scale and zero point of the convolution's output");
        }

        var operators = OnnxRuntimeGraph.OptimizedGraph(quantized.ToByteArray()).Node.Select(n => n.OpType).ToArray();
        var listing = string.Join(", ", operators);
        CollectionAssert.IsSubsetOf(new[] { "QLinearConv", "MaxPool", "Transpose", "Reshape", "QGemm" }, operators, listing);
        Assert.AreEqual(1, operators.Count(op => op == "QuantizeLinear"), listing);
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 3 * 8 * 8));
    }

    [TestMethod]
    public void SplitResizeSliceSqueezeAndGatherRunOnEightBitData()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var c = builder.Conv(image, 3, 4, 3, "conv");
        builder.Graph.Node.Add(Nodes.Create("Split", [c, Int64(builder, "halves", [2], [2, 2])], ["top", "bottom"], "split", Nodes.Int("axis", 1)));
        var scales = builder.Initializer("scales", [4], [1f, 1f, 2f, 2f]);
        var up = builder.Node("Resize", ["top", "", scales], "resize", Nodes.String("mode", "nearest"));
        var cropped = builder.Node("Slice", [up, Int64(builder, "starts", [1], [4]), Int64(builder, "ends", [1], [12]), Int64(builder, "axes", [1], [2])], "slice");
        var row = builder.Node("Gather", [cropped, Int64(builder, "row", [], [0])], "gather", Nodes.Int("axis", 2));
        var column = builder.Node("Unsqueeze", [row, Int64(builder, "at", [1], [2])], "unsqueeze");
        var joined = builder.Node("Concat", [builder.Node("Squeeze", [column, Int64(builder, "squeezed", [1], [2])], "squeeze"), builder.Node("ReduceMean", ["bottom"], "rows_mean", Nodes.Ints("axes", 2), Nodes.Int("keepdims", 0))], "concat", Nodes.Int("axis", 2));
        builder.Output(builder.Gemm(builder.Node("Flatten", [joined], "flatten"), 2 * 24, 10, "fc"), 10);
        var model = builder.Build();

        var (quantized, plan) = Quantize(model, Step());

        CollectionAssert.IsSubsetOf(new[] { "split", "resize", "slice", "gather", "unsqueeze", "squeeze", "concat", "flatten" }, plan.QuantizedNodeNames.ToArray());
        var operators = OnnxRuntimeGraph.OptimizedGraph(quantized.ToByteArray()).Node.Select(n => n.OpType).ToArray();
        var listing = string.Join(", ", operators);
        CollectionAssert.IsSubsetOf(new[] { "Split", "Resize", "Slice", "Gather", "QLinearConcat", "QGemm" }, operators, listing);
        Assert.AreEqual(2, operators.Count(op => op == "QuantizeLinear"), "the input, and the float ReduceMean's output: " + listing);
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 3 * 8 * 8));
    }

    [TestMethod]
    public void ConcatPoolingAndActivationsBecomeTheirQLinearKernels()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var left = builder.Conv(image, 3, 4, 3, "left");
        var right = builder.Conv(image, 3, 4, 3, "right");
        var joined = builder.Node("Concat", [left, right], "concat", Nodes.Int("axis", 1));
        var leaky = builder.Node("LeakyRelu", [joined], "leaky", Nodes.Float("alpha", 0.1f));
        var pooled = builder.Node("AveragePool", [leaky], "avgpool", Nodes.Ints("kernel_shape", 2, 2), Nodes.Ints("strides", 2, 2));
        var gated = builder.Node("Mul", [pooled, builder.Node("Sigmoid", [pooled], "sigmoid")], "gate");
        var scaled = builder.Node("Mul", [gated, builder.Initializer("scale", [8, 1, 1], 2f)], "scale_mul");
        var global = builder.Node("GlobalAveragePool", [scaled], "gap");
        builder.Output(builder.Gemm(builder.Node("Flatten", [global], "flatten"), 8, 10, "fc"), 10);
        var model = builder.Build();

        var (quantized, plan) = Quantize(model, Step());

        Assert.IsEmpty(plan.Skipped);
        var operators = OnnxRuntimeGraph.OptimizedGraph(quantized.ToByteArray()).Node.Select(n => n.OpType).ToArray();
        var listing = string.Join(", ", operators);
        CollectionAssert.IsSubsetOf(
            new[] { "QLinearConv", "QLinearConcat", "QLinearLeakyRelu", "QLinearAveragePool", "QLinearSigmoid", "QLinearMul", "QLinearGlobalAveragePool", "QGemm" },
            operators,
            listing);
        Assert.AreEqual(2, operators.Count(op => op == "QLinearMul"), "the Mul by a constant too: " + listing);
        Assert.AreEqual(1, operators.Count(op => op == "DequantizeLinear"), listing);
        var constant = quantized.Graph.Initializer.Single(t => t.Name == "scale_quantized");
        Assert.AreEqual((int)TensorProto.Types.DataType.Uint8, constant.DataType, "a float constant is quantized per tensor, like the activation beside it");
        Assert.IsFalse(quantized.Graph.Initializer.Any(t => t.Name == "scale"), "its float copy is gone");
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 3 * 8 * 8));
    }

    [TestMethod]
    public void ShapeArithmeticOnIntegersIsLeftAloneSilently()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 4, 6);
        var h = builder.Node("MatMul", [x, builder.Initializer("w", [6, 6], 0.5f)], "dense");
        var shape = builder.Node("Shape", [h], "shape");
        var batch = builder.Node("Gather", [shape, Int64(builder, "zero", [], [0])], "batch", Nodes.Int("axis", 0));
        var target = builder.Node("Concat", [builder.Node("Unsqueeze", [batch, Int64(builder, "axes", [1], [0])], "unsqueeze"), Int64(builder, "rest", [1], [-1])], "target", Nodes.Int("axis", 0));
        builder.Output(builder.Node("Reshape", [h, target], "flatten"), 24);
        var model = builder.Build();

        var (quantized, plan) = Quantize(model, Step());

        CollectionAssert.AreEquivalent(new[] { "dense", "flatten" }, plan.QuantizedNodeNames.ToArray());
        Assert.IsEmpty(plan.Skipped, "int64 Gather, Unsqueeze and Concat are no float computation to report");
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 24));
    }

    [TestMethod]
    public void ExcludedAndUnlistedOperatorsStayInFloat()
    {
        var model = ResidualCnn();

        var (excluded, plan) = Quantize(model, Step() with { ExcludeNodes = ["residual"] });
        var (weightedOnly, weightedPlan) = Quantize(model, Step() with { OpTypes = QuantizeStep.WeightedOpTypes });

        Assert.AreEqual("excluded by the recipe", plan.Skipped.Single().Reason);
        Assert.AreEqual("residual", plan.Skipped.Single().NodeName);
        Assert.IsFalse(excluded.Graph.Node.Any(n => n.OpType == "QuantizeLinear" && n.Input[0].StartsWith("residual_output", StringComparison.Ordinal)), "the excluded Add's output gets no Q/DQ pair");
        CollectionAssert.DoesNotContain(weightedPlan.QuantizedNodeNames.ToArray(), "residual");
        CollectionAssert.DoesNotContain(weightedPlan.QuantizedNodeNames.ToArray(), "gap");
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, excluded, 3 * 8 * 8));
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, weightedOnly, 3 * 8 * 8));
    }

    [TestMethod]
    public void ConvTransposeWeightsArePerChannelOnTheOutputChannelAxis()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 4, 6, 6);
        var weight = builder.Initializer("up.weight", [4, 3, 2, 2], 0.5f);
        var up = builder.Node("ConvTranspose", [image, weight, builder.Initializer("up.bias", [3], 0.1f)], "up", Nodes.Ints("kernel_shape", 2, 2), Nodes.Ints("strides", 2, 2));
        builder.Output(up, 3, 12, 12);
        var model = builder.Build();

        var (quantized, plan) = Quantize(model, Step() with { OpTypes = ["ConvTranspose"] });

        CollectionAssert.AreEqual(new[] { "up" }, plan.QuantizedNodeNames.ToArray());
        var dequantize = quantized.Graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "up.weight_quantized");
        Assert.AreEqual(1L, dequantize.GetInt("axis", -1), "the output channels of a [C, M, k, k] weight");
        CollectionAssert.AreEqual(new long[] { 3 }, quantized.Graph.Initializer.Single(t => t.Name == "up.weight_scale").Dims.ToArray());
        var operators = OnnxRuntimeGraph.OptimizedGraph(quantized.ToByteArray()).Node.Select(n => n.OpType).ToArray();
        CollectionAssert.Contains(operators, "ConvTranspose", "ONNX Runtime 1.31 has no integer ConvTranspose on CPU: it runs in float between the Q/DQ pairs");
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 4 * 6 * 6));
    }

    [TestMethod]
    public void AGroupedConvTransposeGetsOneWeightScale()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 4, 6, 6);
        var weight = builder.Initializer("up.weight", [4, 3, 2, 2], 0.5f);
        var up = builder.Node("ConvTranspose", [image, weight, builder.Initializer("up.bias", [6], 0.1f)], "up",
            Nodes.Ints("kernel_shape", 2, 2), Nodes.Ints("strides", 2, 2), Nodes.Int("group", 2));
        builder.Output(up, 6, 12, 12);
        var model = builder.Build();

        var (quantized, plan) = Quantize(model, Step() with { OpTypes = ["ConvTranspose"] });

        CollectionAssert.AreEqual(new[] { "up" }, plan.QuantizedNodeNames.ToArray());
        Assert.AreEqual(0, quantized.Graph.Initializer.Single(t => t.Name == "up.weight_scale").Dims.Count, "its output channels span two weight axes");
        Assert.HasCount(6, Tensors.ToFloats(quantized.Graph.Initializer.Single(t => t.Name == "up.bias_scale")));
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 4 * 6 * 6));
    }

    /// <summary>3×8×8 → stem conv + ReLU → residual block (conv, ReLU, conv, Add, ReLU) → global average pool → Gemm.</summary>
    internal static ModelProto ResidualCnn()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var stem = builder.Node("Relu", [builder.Conv(image, 3, 8, 3, "stem_conv")], "stem");
        var inner = builder.Relu(builder.Conv(stem, 8, 8, 3, "inner"));
        var sum = builder.Node("Relu", [builder.Node("Add", [builder.Conv(inner, 8, 8, 3, "outer"), stem], "residual")], "residual_relu");
        var global = builder.Node("GlobalAveragePool", [builder.Conv(sum, 8, 8, 3, "head")], "gap");
        builder.Output(builder.Gemm(builder.Node("Flatten", [global], "flatten"), 8, 10, "fc"), 10);
        return builder.Build();
    }

    internal static QuantizeStep Step() =>
        new(Here, WeightType.Int8, QuantizeStep.DefaultActivations, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null);

    internal static (ModelProto Model, QuantizationPlan Plan) Quantize(ModelProto model, QuantizeStep step, LabeledDataset? calibration = null)
    {
        var plan = QdqQuantizer.Plan(model, step);
        var features = (int)model.Graph.Input[0].Type.TensorType.Shape.Dim.Skip(1).Aggregate(1L, (count, dim) => count * dim.DimValue);
        var ranges = ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration ?? RandomData.Uniform(64, features, min: -1f), Here);
        return (QdqQuantizer.Apply(model, plan, ranges, step), plan);
    }

    // The QuantizeLinear of the pair whose DequantizeLinear gives readers the tensor.
    private static NodeProto QuantizerOf(ModelProto model, string tensor)
    {
        var dequantize = model.Graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Output[0] == tensor);
        return model.Graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Output[0] == dequantize.Input[0]);
    }

    private static string Shape(TestModelBuilder builder, long[] shape) => Int64(builder, "shape", [shape.Length], shape);

    private static string Int64(TestModelBuilder builder, string name, long[] dims, long[] values)
    {
        builder.Graph.Initializer.Add(Tensors.FromInt64(name, dims, values));
        return name;
    }
}
