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

    /// <summary>Every tensor and node name a graph and its subgraphs use: fresh names must avoid all of them.</summary>
    public static HashSet<string> AllNames(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in WithSubgraphs(graph))
        {
            names.UnionWith(g.Input.Select(i => i.Name));
            names.UnionWith(g.Output.Select(o => o.Name));
            names.UnionWith(g.Initializer.Select(t => t.Name));
            foreach (var node in g.Node)
            {
                names.Add(node.Name);
                names.UnionWith(node.Input);
                names.UnionWith(node.Output);
            }
        }

        names.Remove(string.Empty);
        return names;
    }

    /// <summary>The graph and every subgraph nested in its nodes' attributes (If branches, Loop and Scan bodies), depth first.</summary>
    public static IEnumerable<GraphProto> WithSubgraphs(GraphProto graph)
    {
        yield return graph;
        foreach (var subgraph in graph.Node.SelectMany(Subgraphs).SelectMany(WithSubgraphs))
        {
            yield return subgraph;
        }
    }

    /// <summary>The graphs a node holds in its attributes.</summary>
    public static IEnumerable<GraphProto> Subgraphs(NodeProto node) =>
        node.Attribute.SelectMany(attribute => attribute.G is { } subgraph ? attribute.Graphs.Prepend(subgraph) : attribute.Graphs);

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
            foreach (var subgraph in Subgraphs(node))
            {
                Collect(subgraph, names);
            }
        }
    }
}
