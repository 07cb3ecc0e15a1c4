using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>
/// Softmax, LogSoftmax and Hardmax before opset 13 coerce their input to 2-D at <c>axis</c> (default 1) and normalize
/// over everything after it; from 13 they normalize along <c>axis</c> (default −1) alone. The two agree when the axis
/// is the last one; otherwise the old meaning is spelled out as Flatten → op over the last axis → Reshape back.
/// </summary>
internal static class CoercedSoftmax
{
    public static IReadOnlyList<NodeProto> Adapt(NodeProto node, UpgradeContext context)
    {
        var axis = node.GetInt("axis", 1);
        var rank = context.RankOf(node.Input[0]) ?? context.RankOf(node.Output[0]);
        node.SetAttribute(Nodes.Int("axis", -1));
        if (rank is { } known && (axis == known - 1 || axis == -1))
        {
            return [node];
        }

        var input = node.Input[0];
        var output = node.Output[0];
        var shape = context.FreshName($"{input}_shape");
        var flat = context.FreshName($"{input}_2d");
        var normalized = context.FreshName($"{output}_2d");
        node.Input[0] = flat;
        node.Output[0] = normalized;
        return
        [
            Nodes.Create("Shape", [input], [shape], context.FreshName($"{node.Name}_shape")),
            Nodes.Create("Flatten", [input], [flat], context.FreshName($"{node.Name}_flatten"), Nodes.Int("axis", axis)),
            node,
            Nodes.Create("Reshape", [normalized, shape], [output], context.FreshName($"{node.Name}_reshape")),
        ];
    }
}
