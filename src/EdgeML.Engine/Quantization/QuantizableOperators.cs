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

/// <summary>
/// What the int8 quantizer needs beyond <see cref="WeightedOperators"/>' weight layout, in the spirit of ONNX
/// Runtime's quantization op registry: the forms its integer kernels accept, and a bias they can fold.
/// </summary>
internal static class QuantizableOperators
{
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
            var channels = graph.Initializers[weighted.Weight].Dims[weighted.ChannelAxis];
            if (!graph.Initializers.TryGetValue(bias, out var biasTensor) || biasTensor.Dims.Count != 1 || biasTensor.Dims[0] != channels
                || biasTensor.DataType != (int)TensorProto.Types.DataType.Float)
            {
                return OperatorMatch.Skip($"its bias is not a constant float vector of {channels} values");
            }
        }

        return new OperatorMatch(node.Input[0], weighted.Weight, weighted.ChannelAxis, weighted.Bias);
    }

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
}
