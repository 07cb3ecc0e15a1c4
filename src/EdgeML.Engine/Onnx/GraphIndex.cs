using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>Lookups over one graph that rewrites need: who produces and consumes a tensor, which tensors are constants, fresh names.</summary>
internal sealed class GraphIndex
{
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);

    public GraphIndex(GraphProto graph)
    {
        Graph = graph;
        Initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        GraphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            _usedNames.Add(node.Name);
            foreach (var output in node.Output)
            {
                Producers[output] = node;
                _usedNames.Add(output);
            }

            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                if (!Consumers.TryGetValue(input, out var list))
                {
                    Consumers[input] = list = [];
                }

                list.Add(node);
                _usedNames.Add(input);
            }
        }

        _usedNames.UnionWith(Initializers.Keys);
        _usedNames.UnionWith(graph.Input.Select(i => i.Name));
        _usedNames.UnionWith(GraphOutputs);
    }

    public GraphProto Graph { get; }

    public Dictionary<string, TensorProto> Initializers { get; }

    public Dictionary<string, NodeProto> Producers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<NodeProto>> Consumers { get; } = new(StringComparer.Ordinal);

    public HashSet<string> GraphOutputs { get; }

    public IReadOnlyList<NodeProto> ConsumersOf(string tensor) =>
        Consumers.TryGetValue(tensor, out var list) ? list : [];

    /// <summary>A tensor or node name not yet used in the graph, derived from <paramref name="stem"/>.</summary>
    public string FreshName(string stem)
    {
        var name = stem;
        for (var i = 1; !_usedNames.Add(name); i++)
        {
            name = $"{stem}_{i}";
        }

        return name;
    }
}
