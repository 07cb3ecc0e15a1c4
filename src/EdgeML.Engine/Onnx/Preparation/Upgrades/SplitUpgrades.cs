using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>Split's changes: <c>split</c> becomes an input at 13; at 18 an equal split names its number of outputs.</summary>
internal static class SplitUpgrades
{
    public static readonly OperatorAdapter SplitToInput = AttributesToInputs.Adapter(AttributesToInputs.Int64List("split"));

    public static IReadOnlyList<NodeProto> NameOutputCount(NodeProto node, UpgradeContext context)
    {
        if (node.Input.Count < 2 || node.Input[1].Length == 0)
        {
            node.SetAttribute(Nodes.Int("num_outputs", node.Output.Count));
        }

        return [node];
    }
}
