using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Quantization;

/// <summary>
/// Where a quantizable node keeps its activation input, its constant weight (and the axis of the weight's
/// output channels) and its optional bias. Null <see cref="Weight"/> means the node cannot be quantized;
/// <see cref="Reason"/> says why.
/// </summary>
internal sealed record OperatorMatch(string Activation, string Weight, int ChannelAxis, string? Bias)
{
    public static OperatorMatch Skip(string reason) => new(string.Empty, string.Empty, 0, null) { Reason = reason };

    public string? Reason { get; private init; }

    public bool IsQuantizable => Reason is null;
}

/// <summary>How static QDQ quantization treats the tensors of one registered operator type.</summary>
internal enum QdqForm
{
    /// <summary>Conv, ConvTranspose, Gemm, MatMul: activation input, int8 weight, int32 bias, calibrated output.</summary>
    Weighted,

    /// <summary>Add, Mul: both inputs (a float constant quantized per tensor) and a calibrated output.</summary>
    Binary,

    /// <summary>Concat: every input and a calibrated output.</summary>
    Variadic,

    /// <summary>Pooling and activation functions with an integer kernel: the input and a calibrated output.</summary>
    Unary,

    /// <summary>Operators that only move values: the outputs reuse the input's scale and zero point.</summary>
    DataMovement,
}

/// <summary>
/// What static QDQ quantization does to one node: the activation tensors it wraps in Q/DQ, the inputs that are float
/// constants (quantized per tensor), the weight of a weighted operator, and the outputs — each with its own calibrated
/// parameters, or with those of the first activation (<see cref="SharesInputParameters"/>). <see cref="Reason"/> says
/// why a node cannot be quantized.
/// </summary>
internal sealed record QdqMatch(IReadOnlyList<string> Activations, IReadOnlyList<int> ConstantInputs, OperatorMatch? Weighted, IReadOnlyList<string> Outputs, bool SharesInputParameters)
{
    public static QdqMatch Skip(string reason) => new([], [], null, [], false) { Reason = reason };

    public string? Reason { get; private init; }

    public bool IsQuantizable => Reason is null;
}

/// <summary>
/// The operator registry of static quantization, in the spirit of ONNX Runtime's quantization registry: for each
/// operator type, the QDQ form that ONNX Runtime's QDQ fusions turn into an integer kernel (QLinearConv, QGemm,
/// QLinearMatMul, QLinearAdd/Mul, QLinearConcat, QLinearAveragePool/GlobalAveragePool, QLinearSigmoid/LeakyRelu/Softmax)
/// or whose Q/DQ pairs they drop so the operator runs on int8 data (the data-movement operators and MaxPool, which
/// therefore need the same scale and zero point on input and output). Also what the weight-based quantizers need beyond
/// <see cref="WeightedOperators"/>' weight layout: the forms the integer kernels accept, and a bias they can fold.
/// </summary>
internal static class QuantizableOperators
{
    /// <summary>One registered operator type: its form, and whether static quantization covers it by default.</summary>
    private sealed record Entry(string OpType, QdqForm Form, bool ByDefault);

    // The default set is what ONNX Runtime 1.31 runs faster on x86-64 CPU in integer form. ConvTranspose has no integer
    // kernel there (it runs in float between DequantizeLinear and QuantizeLinear: smaller weights, no speed); Softmax's
    // output mostly feeds attention's float MatMuls, where its Q/DQ would only cost. Pad has no QDQ rule at all.
    private static readonly Entry[] Registry =
    [
        new("Conv", QdqForm.Weighted, ByDefault: true),
        new("Gemm", QdqForm.Weighted, ByDefault: true),
        new("MatMul", QdqForm.Weighted, ByDefault: true),
        new("ConvTranspose", QdqForm.Weighted, ByDefault: false),
        new("Add", QdqForm.Binary, ByDefault: true),
        new("Mul", QdqForm.Binary, ByDefault: true),
        new("Concat", QdqForm.Variadic, ByDefault: true),
        new("AveragePool", QdqForm.Unary, ByDefault: true),
        new("GlobalAveragePool", QdqForm.Unary, ByDefault: true),
        new("Sigmoid", QdqForm.Unary, ByDefault: true),
        new("LeakyRelu", QdqForm.Unary, ByDefault: true),
        new("Softmax", QdqForm.Unary, ByDefault: false),
        new("MaxPool", QdqForm.DataMovement, ByDefault: true),
        new("Reshape", QdqForm.DataMovement, ByDefault: true),
        new("Flatten", QdqForm.DataMovement, ByDefault: true),
        new("Transpose", QdqForm.DataMovement, ByDefault: true),
        new("Squeeze", QdqForm.DataMovement, ByDefault: true),
        new("Unsqueeze", QdqForm.DataMovement, ByDefault: true),
        new("Resize", QdqForm.DataMovement, ByDefault: true),
        new("Split", QdqForm.DataMovement, ByDefault: true),
        new("Slice", QdqForm.DataMovement, ByDefault: true),
        new("Gather", QdqForm.DataMovement, ByDefault: true),
    ];

    // ONNX's int8 MaxPool arrived in opset 12.
    private const long Int8MaxPoolOpset = 12;

    /// <summary>Every operator type static quantization knows, in registry order.</summary>
    public static IReadOnlyList<string> OpTypes { get; } = Registry.Select(e => e.OpType).ToArray();

    /// <summary>The operator types static quantization covers when the recipe lists none.</summary>
    public static IReadOnlyList<string> DefaultOpTypes { get; } = Registry.Where(e => e.ByDefault).Select(e => e.OpType).ToArray();

    /// <summary>Whether <paramref name="node"/> is a default-domain operator the registry knows.</summary>
    public static bool IsKnown(NodeProto node) => string.IsNullOrEmpty(node.Domain) && Registry.Any(e => e.OpType == node.OpType);

    /// <summary>Where a weighted node's activation, weight and bias are, or why the integer kernels cannot take it.</summary>
    public static OperatorMatch Match(NodeProto node, GraphIndex graph)
    {
        if (node.OpType == "Gemm" && UnsupportedGemm(node) is { } reason)
        {
            return OperatorMatch.Skip(reason);
        }

        var weighted = WeightedOperators.Match(node, graph);
        if (!weighted.HasConstantWeight)
        {
            return OperatorMatch.Skip(weighted.Reason!);
        }

        if (graph.Initializers.ContainsKey(node.Input[0]))
        {
            return OperatorMatch.Skip("its first input is a constant");
        }

        if (weighted.Bias is { } bias)
        {
            var channels = OutputChannels(node, graph.Initializers[weighted.Weight], weighted.ChannelAxis);
            if (!graph.Initializers.TryGetValue(bias, out var biasTensor) || biasTensor.Dims.Count != 1 || biasTensor.Dims[0] != channels
                || biasTensor.DataType != (int)TensorProto.Types.DataType.Float)
            {
                return OperatorMatch.Skip($"its bias is not a constant float vector of {channels} values");
            }
        }

        return new OperatorMatch(node.Input[0], weighted.Weight, weighted.ChannelAxis, weighted.Bias);
    }

    /// <summary>
    /// The QDQ form of a registered node, a skip reason, or null when the node computes on no float tensor (shape
    /// arithmetic on int64, say): there is nothing to quantize and nothing worth reporting.
    /// </summary>
    /// <param name="node">A node <see cref="IsKnown"/> accepts.</param>
    /// <param name="graph">Its graph.</param>
    /// <param name="isFloat">Whether a tensor holds float values.</param>
    /// <param name="opset">The model's default-domain opset.</param>
    public static QdqMatch? MatchQdq(NodeProto node, GraphIndex graph, Func<string, bool> isFloat, long opset)
    {
        var form = Registry.First(e => e.OpType == node.OpType).Form;
        if (form == QdqForm.Weighted)
        {
            var match = Match(node, graph);
            return match.IsQuantizable ? new QdqMatch([match.Activation], [], match, [node.Output[0]], SharesInputParameters: false) : QdqMatch.Skip(match.Reason!);
        }

        var dataInputs = form switch
        {
            QdqForm.Binary => [0, 1],
            QdqForm.Variadic => Enumerable.Range(0, node.Input.Count).ToArray(),
            _ => new[] { 0 },
        };
        if (dataInputs.Any(i => i >= node.Input.Count || node.Input[i].Length == 0))
        {
            return null;
        }

        var constants = dataInputs.Where(i => graph.Initializers.ContainsKey(node.Input[i])).ToArray();
        var activations = dataInputs.Except(constants).Select(i => node.Input[i]).Distinct(StringComparer.Ordinal).ToArray();
        if (!activations.All(isFloat) || !constants.All(i => graph.Initializers[node.Input[i]].DataType == (int)TensorProto.Types.DataType.Float))
        {
            return null;
        }

        if (activations.Length == 0)
        {
            return QdqMatch.Skip("all its inputs are constants (ONNX Runtime folds it)");
        }

        if (constants.Length > 0 && form is QdqForm.Unary or QdqForm.DataMovement)
        {
            return QdqMatch.Skip(node.OpType == "Gather" ? "it looks up a constant table (mode: weight_only quantizes embedding tables)" : "its input is a constant");
        }

        if (node.OpType == "MaxPool" && UnsupportedMaxPool(node, graph, opset) is { } reason)
        {
            return QdqMatch.Skip(reason);
        }

        // MaxPool's optional Indices output is int64 and unread (checked above).
        var outputs = node.OpType == "MaxPool" ? [node.Output[0]] : node.Output.Where(o => o.Length > 0).ToArray();
        return new QdqMatch(activations, constants, null, outputs, SharesInputParameters: form == QdqForm.DataMovement);
    }

    /// <summary>The output channels of a weighted node: its weight's channel axis, times the groups of a ConvTranspose.</summary>
    public static long OutputChannels(NodeProto node, TensorProto weight, int channelAxis) =>
        weight.Dims[channelAxis] * (node.OpType == "ConvTranspose" ? node.GetInt("group", 1) : 1);

    // Only the plain Gemm (alpha = beta = 1, A not transposed) maps onto ONNX Runtime's integer Gemm.
    private static string? UnsupportedGemm(NodeProto node)
    {
        if (node.GetInt("transA", 0) != 0)
        {
            return "Gemm with transA=1 is not quantized";
        }

        var alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f;
        var beta = node.Attribute.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;
        return alpha != 1f || beta != 1f ? $"Gemm with alpha={alpha}, beta={beta} is not quantized (only 1 and 1)" : null;
    }

    // Integer MaxPool has no Indices output, and ONNX defines it from opset 12.
    private static string? UnsupportedMaxPool(NodeProto node, GraphIndex graph, long opset) =>
        opset < Int8MaxPoolOpset ? $"int8 MaxPool needs opset {Int8MaxPoolOpset} (the model uses {opset})"
        : node.Output.Count > 1 && node.Output[1].Length > 0 && (graph.ConsumersOf(node.Output[1]).Count > 0 || graph.GraphOutputs.Contains(node.Output[1])) ? "its Indices output is read"
        : null;
}
