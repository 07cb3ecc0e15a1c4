using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation;

/// <summary>
/// Turns top-level <c>Constant</c> nodes that hold a tensor (the <c>value</c> attribute) into initializers of the
/// same name, so weights stored that way are found and compressed like any other.
/// </summary>
internal static class ConstantsToInitializers
{
    public static IReadOnlyList<string> Apply(GraphProto graph)
    {
        var converted = new List<string>();
        foreach (var node in graph.Node.Where(IsTensorConstant).ToArray())
        {
            var tensor = node.Attribute.Single(a => a.Name == "value").T.Clone();
            tensor.Name = node.Output[0];
            graph.Initializer.Add(tensor);
            graph.Node.Remove(node);
            converted.Add(tensor.Name);
        }

        return converted;
    }

    // Other Constant forms (value_float, value_ints, sparse_value …) are small scalars or lists, never weights.
    private static bool IsTensorConstant(NodeProto node) =>
        node.OpType == "Constant" && string.IsNullOrEmpty(node.Domain) && node.Output.Count == 1 && node.Attribute is [{ Name: "value", T: not null }];
}
