using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>BatchNormalization's changes: the <c>spatial</c> attribute's end at 9, training outputs at 14.</summary>
internal static class NormalizationUpgrades
{
    /// <summary>
    /// Opset 9 always normalizes per channel, as <c>spatial=1</c> (the default) did. <c>spatial=0</c> normalized per
    /// element with parameters shaped like one sample; that is per channel only when those parameters are 1-D.
    /// Leftovers of older definitions (<c>is_test</c>, <c>consumed_inputs</c>) go as well.
    /// </summary>
    public static IReadOnlyList<NodeProto> DropSpatial(NodeProto node, UpgradeContext context)
    {
        var spatial = node.TakeAttribute("spatial")?.I ?? 1;
        if (spatial == 0 && !node.Input.Skip(1).All(p => context.RankOf(p) == 1))
        {
            throw context.Unsupported(node, "spatial=0 normalizes per element, which later opsets cannot express");
        }

        node.TakeAttribute("is_test");
        node.TakeAttribute("consumed_inputs");
        return [node];
    }

    /// <summary>Opset 14 gives the optional outputs a different, training-only meaning; inference models have none.</summary>
    public static IReadOnlyList<NodeProto> InferenceOnly(NodeProto node, UpgradeContext context) =>
        node.Output.Skip(1).Any(o => o.Length > 0)
            ? throw context.Unsupported(node, "it has training outputs (running mean and variance), whose definition changed")
            : [node];
}
