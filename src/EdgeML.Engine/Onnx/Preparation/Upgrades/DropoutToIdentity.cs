using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>
/// Dropout does nothing at inference, and its definition changed at opsets 10, 12 and 13 (is_test, ratio as an input,
/// training_mode): an inference model's Dropout becomes the Identity it always computed. A mask output that something
/// reads has no inference meaning to keep, so that node is an error.
/// </summary>
internal static class DropoutToIdentity
{
    public static IReadOnlyList<NodeProto> Adapt(NodeProto node, UpgradeContext context)
    {
        if (node.Output.Skip(1).Any(context.IsRead))
        {
            throw context.Unsupported(node, "its mask output is read, which only training computes");
        }

        return [Nodes.Create("Identity", [node.Input[0]], [node.Output[0]], node.Name)];
    }
}
