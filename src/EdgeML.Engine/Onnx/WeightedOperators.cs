using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>
/// Where a node of a weighted operator keeps its constant float weight, the axis of the weight's output
/// channels, and its optional bias input (not checked). When the node has no such weight, <see cref="Reason"/>
/// says why.
/// </summary>
internal sealed record WeightedNode(string Weight, int ChannelAxis, string? Bias)
{
    public static WeightedNode Without(string reason) => new(string.Empty, 0, null) { Reason = reason };

    public string? Reason { get; private init; }

    public bool HasConstantWeight => Reason is null;
}

/// <summary>
/// The operators whose second input is a weight (Conv, ConvTranspose, Gemm, MatMul), one matcher per operator type: the single
/// place that knows each one's weight layout, shared by quantization and pruning.
/// </summary>
internal static class WeightedOperators
{
    private static readonly Dictionary<string, Func<NodeProto, GraphIndex, WeightedNode>> Matchers = new(StringComparer.Ordinal)
    {
        ["Conv"] = MatchConv,
        ["ConvTranspose"] = MatchConvTranspose,
        ["Gemm"] = MatchGemm,
        ["MatMul"] = MatchMatMul,
    };

    public static IReadOnlyCollection<string> OpTypes => Matchers.Keys;

    /// <summary>Whether <paramref name="node"/> is a default-domain operator this registry knows.</summary>
    public static bool IsKnown(NodeProto node) => string.IsNullOrEmpty(node.Domain) && Matchers.ContainsKey(node.OpType);

    /// <summary>Where <paramref name="node"/> (of a known operator type) keeps its weight.</summary>
    public static WeightedNode Match(NodeProto node, GraphIndex graph) => Matchers[node.OpType](node, graph);

    // Conv: W is [M, C/group, k...]; output channels on axis 0; bias B is [M].
    private static WeightedNode MatchConv(NodeProto node, GraphIndex graph) =>
        MatchWeight(node, graph, weightRank: null, channelAxis: 0, biasIndex: 2);

    // ConvTranspose: W is [C, M/group, k...]; with one group the output channels are on axis 1; bias B is [M].
    private static WeightedNode MatchConvTranspose(NodeProto node, GraphIndex graph) =>
        MatchWeight(node, graph, weightRank: null, channelAxis: 1, biasIndex: 2);

    // Gemm: Y = alpha·A'·B' + beta·C; B's output channels are on axis 0 when transposed, else on axis 1.
    private static WeightedNode MatchGemm(NodeProto node, GraphIndex graph) =>
        MatchWeight(node, graph, weightRank: 2, channelAxis: node.GetInt("transB", 0) != 0 ? 0 : 1, biasIndex: 2);

    // MatMul: Y = A·B with a constant 2-D B of shape [K, N]; output channels are B's columns.
    private static WeightedNode MatchMatMul(NodeProto node, GraphIndex graph) =>
        MatchWeight(node, graph, weightRank: 2, channelAxis: 1, biasIndex: null);

    private static WeightedNode MatchWeight(NodeProto node, GraphIndex graph, int? weightRank, int channelAxis, int? biasIndex)
    {
        if (node.Input.Count < 2 || !graph.Initializers.TryGetValue(node.Input[1], out var weight))
        {
            return WeightedNode.Without("its weight is not a constant initializer");
        }

        if (weight.DataType != (int)TensorProto.Types.DataType.Float)
        {
            return WeightedNode.Without($"its weight is {(TensorProto.Types.DataType)weight.DataType}, not float");
        }

        if (weightRank is { } rank && weight.Dims.Count != rank)
        {
            return WeightedNode.Without($"its weight has rank {weight.Dims.Count}, expected {rank}");
        }

        var bias = biasIndex is { } index && node.Input.Count > index && node.Input[index].Length > 0 ? node.Input[index] : null;
        return new WeightedNode(node.Input[1], channelAxis, bias);
    }
}
