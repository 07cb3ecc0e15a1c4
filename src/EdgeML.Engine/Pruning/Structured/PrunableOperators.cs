using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>The kinds of weighted layers pruning knows.</summary>
internal enum LayerKind
{
    Conv,
    DepthwiseConv,
    ConvTranspose,
    Gemm,
    MatMul,
}

/// <summary>
/// Where a weighted layer keeps its constant weight, the weight's output- and input-channel axes, and its bias.
/// Non-null <see cref="Reason"/> means pruning cannot touch the layer.
/// </summary>
internal sealed record LayerMatch(LayerKind Kind, string Weight, int OutputAxis, int InputAxis, string? Bias)
{
    public static LayerMatch Unsupported(string reason) => new(LayerKind.Conv, string.Empty, 0, 0, null) { Reason = reason };

    public string? Reason { get; private init; }
}

/// <summary>One matcher per weighted operator type, like <see cref="QuantizableOperators"/>.</summary>
internal static class PrunableOperators
{
    private static readonly Dictionary<string, Func<NodeProto, GraphIndex, LayerMatch>> Matchers = new(StringComparer.Ordinal)
    {
        ["Conv"] = MatchConv,
        ["ConvTranspose"] = MatchConvTranspose,
        ["Gemm"] = MatchGemm,
        ["MatMul"] = MatchMatMul,
    };

    public static bool IsWeighted(NodeProto node) => string.IsNullOrEmpty(node.Domain) && Matchers.ContainsKey(node.OpType);

    public static LayerMatch Match(NodeProto node, GraphIndex graph) => Matchers[node.OpType](node, graph);

    // Conv: W is [M, C/group, k...]. Plain (group 1) convs prune both axes; a depthwise conv (one input channel per
    // group) has its output channels tied to its input channels, so it follows them.
    private static LayerMatch MatchConv(NodeProto node, GraphIndex graph)
    {
        if (Weight(node, graph, minRank: 3) is { } failure)
        {
            return failure;
        }

        var dims = graph.Initializers[node.Input[1]].Dims;
        var group = node.GetInt("group", 1);
        var kind = group == 1 ? LayerKind.Conv
            : group == dims[0] && dims[1] == 1 ? LayerKind.DepthwiseConv
            : (LayerKind?)null;
        return kind is { } k
            ? WithBias(node, graph, new LayerMatch(k, node.Input[1], 0, 1, null), dims[0])
            : LayerMatch.Unsupported($"grouped convolution (group {group}) is not pruned");
    }

    // ConvTranspose: W is [C, M/group, k...]: output channels on axis 1, input channels on axis 0.
    private static LayerMatch MatchConvTranspose(NodeProto node, GraphIndex graph)
    {
        if (Weight(node, graph, minRank: 3) is { } failure)
        {
            return failure;
        }

        if (node.GetInt("group", 1) != 1)
        {
            return LayerMatch.Unsupported("grouped transposed convolution is not pruned");
        }

        return WithBias(node, graph, new LayerMatch(LayerKind.ConvTranspose, node.Input[1], 1, 0, null), graph.Initializers[node.Input[1]].Dims[1]);
    }

    // Gemm: Y = A·B' + C, B' = Bᵀ when transB=1 (neurons are B's rows), else B (neurons are its columns).
    private static LayerMatch MatchGemm(NodeProto node, GraphIndex graph)
    {
        var alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f;
        var beta = node.Attribute.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;
        if (node.GetInt("transA", 0) != 0 || alpha != 1f || beta != 1f)
        {
            return LayerMatch.Unsupported("only Gemm with transA=0, alpha=1 and beta=1 is pruned");
        }

        if (Weight(node, graph, minRank: 2, maxRank: 2) is { } failure)
        {
            return failure;
        }

        var transB = node.GetInt("transB", 0) != 0;
        var match = new LayerMatch(LayerKind.Gemm, node.Input[1], transB ? 0 : 1, transB ? 1 : 0, null);
        return WithBias(node, graph, match, graph.Initializers[node.Input[1]].Dims[match.OutputAxis]);
    }

    // MatMul: Y = A·B with a constant [K, N] B: neurons are B's columns; no bias.
    private static LayerMatch MatchMatMul(NodeProto node, GraphIndex graph) =>
        Weight(node, graph, minRank: 2, maxRank: 2) ?? new LayerMatch(LayerKind.MatMul, node.Input[1], 1, 0, null);

    private static LayerMatch? Weight(NodeProto node, GraphIndex graph, int minRank, int maxRank = int.MaxValue)
    {
        if (node.Input.Count < 2 || !graph.Initializers.TryGetValue(node.Input[1], out var weight)
            || weight.DataType != (int)TensorProto.Types.DataType.Float || graph.Initializers.ContainsKey(node.Input[0]))
        {
            return LayerMatch.Unsupported("its weight is not a constant float initializer applied to an activation");
        }

        if (weight.Dims.Count < minRank || weight.Dims.Count > maxRank)
        {
            return LayerMatch.Unsupported($"its weight has rank {weight.Dims.Count}");
        }

        return graph.ConsumersOf(node.Input[1]).Count > 1
            ? LayerMatch.Unsupported($"its weight '{node.Input[1]}' is shared with another node")
            : null;
    }

    private static LayerMatch WithBias(NodeProto node, GraphIndex graph, LayerMatch match, long channels)
    {
        if (node.Input.Count < 3 || node.Input[2].Length == 0)
        {
            return match;
        }

        var bias = node.Input[2];
        return graph.Initializers.TryGetValue(bias, out var tensor) && tensor.Dims.Count == 1 && tensor.Dims[0] == channels
            && tensor.DataType == (int)TensorProto.Types.DataType.Float && graph.ConsumersOf(bias).Count == 1
            ? match with { Bias = bias }
            : LayerMatch.Unsupported($"its bias is not an unshared constant float vector of {channels} values");
    }
}
