using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>Lookups over one graph that rewrites need: who produces and consumes a tensor, which tensors are constants, fresh names.</summary>
internal sealed class GraphIndex
{
    private readonly HashSet<string> _usedNames;
    private readonly Dictionary<string, GraphProto> _owners;

    public GraphIndex(GraphProto graph)
        : this(graph, enclosing: null)
    {
    }

    /// <summary>
    /// The index of <paramref name="graph"/>, a subgraph of <paramref name="enclosing"/>'s graph (an If branch, a Loop or
    /// Scan body) when that is given: it also sees the enclosing graphs' initializers that it does not shadow, and
    /// fresh names are unique across the whole model, so a rewrite in one graph never captures a name of another.
    /// </summary>
    public GraphIndex(GraphProto graph, GraphIndex? enclosing)
    {
        Graph = graph;
        Initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _owners = Initializers.Keys.ToDictionary(name => name, _ => graph, StringComparer.Ordinal);
        GraphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        _usedNames = enclosing?._usedNames ?? GraphReferences.AllNames(graph);
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
        if (enclosing is not null)
        {
            var declared = graph.Input.Select(i => i.Name).Concat(Producers.Keys).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, tensor) in enclosing.Initializers.Where(outer => !Initializers.ContainsKey(outer.Key) && !declared.Contains(outer.Key)))
            {
                Initializers[name] = tensor;
                _owners[name] = enclosing.OwnerOf(name);
            }
        }
    }

    public GraphProto Graph { get; }

    /// <summary>The constants the graph can read: its own initializers and, in a subgraph, the visible ones of enclosing graphs.</summary>
    public Dictionary<string, TensorProto> Initializers { get; }

    public Dictionary<string, NodeProto> Producers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<NodeProto>> Consumers { get; } = new(StringComparer.Ordinal);

    public HashSet<string> GraphOutputs { get; }

    public IReadOnlyList<NodeProto> ConsumersOf(string tensor) =>
        Consumers.TryGetValue(tensor, out var list) ? list : [];

    /// <summary>
    /// The graph that declares the visible initializer <paramref name="name"/>: this one, or an enclosing graph. A rewrite
    /// adds what replaces an initializer there, so that every subgraph reading it shares the replacement.
    /// </summary>
    public GraphProto OwnerOf(string name) => _owners.GetValueOrDefault(name) ?? Graph;

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
