using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>Which tensor names a graph reads, subgraphs included (they may read the outer graph's tensors).</summary>
public static class GraphReferences
{
    public static HashSet<string> AllInputs(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        Collect(graph, names);
        return names;
    }

    private static void Collect(GraphProto graph, HashSet<string> names)
    {
        names.UnionWith(graph.Output.Select(o => o.Name));
        foreach (var node in graph.Node)
        {
            names.UnionWith(node.Input);
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is { } subgraph)
                {
                    Collect(subgraph, names);
                }

                foreach (var g in attribute.Graphs)
                {
                    Collect(g, names);
                }
            }
        }
    }
}
