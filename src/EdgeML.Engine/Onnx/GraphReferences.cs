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

    /// <summary>
    /// Drops the <paramref name="candidates"/> that no node (in any subgraph) reads any more, as initializers and
    /// as graph inputs: after a rewrite replaced them, that is where the size win comes from.
    /// </summary>
    public static void RemoveUnreadInitializers(GraphProto graph, IEnumerable<string> candidates)
    {
        var stillRead = AllInputs(graph);
        var unused = candidates.Where(name => !stillRead.Contains(name)).ToHashSet(StringComparer.Ordinal);
        var initializers = graph.Initializer.Where(t => !unused.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var inputs = graph.Input.Where(i => !unused.Contains(i.Name)).ToList();
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
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
