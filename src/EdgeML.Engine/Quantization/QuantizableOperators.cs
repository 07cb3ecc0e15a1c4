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
/// The operators the int8 quantizer knows, one entry per operator type, in the spirit of ONNX Runtime's
/// quantization op registry: supporting a new operator means adding one matcher here.
/// </summary>
internal static class QuantizableOperators
{
    private static readonly Dictionary<string, Func<NodeProto, GraphIndex, OperatorMatch>> Matchers = new(StringComparer.Ordinal)
    {
        ["Conv"] = MatchConv,
        ["Gemm"] = MatchGemm,
        ["MatMul"] = MatchMatMul,
    };

    public static IReadOnlyCollection<string> OpTypes => Matchers.Keys;

    public static bool IsKnown(string opType) => Matchers.ContainsKey(opType);

    public static OperatorMatch Match(NodeProto node, GraphIndex graph) => Matchers[node.OpType](node, graph);

    // Conv: W is [M, C/group, k...]; output channels on axis 0; bias B is [M].
    private static OperatorMatch MatchConv(NodeProto node, GraphIndex graph) =>
        MatchWeighted(node, graph, weightRank: null, channelAxis: 0, biasIndex: 2);

    // Gemm: Y = alpha·A'·B' + beta·C. Only the plain form (alpha = beta = 1, A not transposed) maps onto
    // ONNX Runtime's integer Gemm; B's output channels are on axis 0 when transposed, else on axis 1.
    private static OperatorMatch MatchGemm(NodeProto node, GraphIndex graph)
    {
        if (node.GetInt("transA", 0) != 0)
        {
            return OperatorMatch.Skip("Gemm with transA=1 is not quantized");
        }

        var alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f;
        var beta = node.Attribute.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;
        if (alpha != 1f || beta != 1f)
        {
            return OperatorMatch.Skip($"Gemm with alpha={alpha}, beta={beta} is not quantized (only 1 and 1)");
        }

        var axis = node.GetInt("transB", 0) != 0 ? 0 : 1;
        return MatchWeighted(node, graph, weightRank: 2, channelAxis: axis, biasIndex: 2);
    }

    // MatMul: Y = A·B with a constant 2-D B of shape [K, N]; output channels are B's columns.
    private static OperatorMatch MatchMatMul(NodeProto node, GraphIndex graph) =>
        MatchWeighted(node, graph, weightRank: 2, channelAxis: 1, biasIndex: null);

    private static OperatorMatch MatchWeighted(NodeProto node, GraphIndex graph, int? weightRank, int channelAxis, int? biasIndex)
    {
        if (node.Input.Count < 2 || !graph.Initializers.TryGetValue(node.Input[1], out var weight))
        {
            return OperatorMatch.Skip("its weight is not a constant initializer");
        }

        if (weight.DataType != (int)TensorProto.Types.DataType.Float)
        {
            return OperatorMatch.Skip($"its weight is {(TensorProto.Types.DataType)weight.DataType}, not float");
        }

        if (weightRank is { } rank && weight.Dims.Count != rank)
        {
            return OperatorMatch.Skip($"its weight has rank {weight.Dims.Count}, expected {rank}");
        }

        if (graph.Initializers.ContainsKey(node.Input[0]))
        {
            return OperatorMatch.Skip("its first input is a constant");
        }

        string? bias = null;
        if (biasIndex is { } index && node.Input.Count > index && node.Input[index].Length > 0)
        {
            bias = node.Input[index];
            var channels = weight.Dims[channelAxis];
            if (!graph.Initializers.TryGetValue(bias, out var biasTensor) || biasTensor.Dims.Count != 1 || biasTensor.Dims[0] != channels
                || biasTensor.DataType != (int)TensorProto.Types.DataType.Float)
            {
                return OperatorMatch.Skip($"its bias is not a constant float vector of {channels} values");
            }
        }

        return new OperatorMatch(node.Input[0], node.Input[1], channelAxis, bias);
    }
}
