using System.Runtime.CompilerServices;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>
/// Walks a model's main graph and every subgraph nested in it (If branches, Loop and Scan bodies), so that a rewrite
/// reaches the weights inside control flow too. Each graph's index sees the enclosing graphs' initializers it does
/// not shadow (outer-scope names) and draws fresh names from one model-wide set.
/// </summary>
internal static class NestedGraphs
{
    /// <summary>Calls <paramref name="rewrite"/> on the main graph, then on each subgraph of its (rewritten) nodes, depth first.</summary>
    public static void Rewrite(GraphProto main, Action<GraphIndex> rewrite) => Visit(main, null, rewrite);

    private static void Visit(GraphProto graph, GraphIndex? enclosing, Action<GraphIndex> rewrite)
    {
        var index = new GraphIndex(graph, enclosing);
        rewrite(index);
        foreach (var subgraph in graph.Node.SelectMany(GraphReferences.Subgraphs).ToList())
        {
            Visit(subgraph, index, rewrite);
        }
    }
}

/// <summary>
/// An initializer as the graph that declares it names it: a subgraph may shadow an enclosing graph's name, so the
/// name alone does not identify a tensor. Graphs compare by reference (protobuf messages compare by value).
/// </summary>
internal readonly struct ScopedName(GraphProto owner, string name) : IEquatable<ScopedName>
{
    public GraphProto Owner { get; } = owner;

    public string Name { get; } = name;

    public bool Equals(ScopedName other) => ReferenceEquals(Owner, other.Owner) && string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is ScopedName other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(Owner), StringComparer.Ordinal.GetHashCode(Name));
}

/// <summary>
/// Replacements of initializers across all graphs of a model: each initializer is replaced once, in the graph that
/// declares it, and every node of every graph that reads it shares the replacement. After the rewrite, the replaced
/// initializers that nothing reads any more are dropped from their graphs.
/// </summary>
internal sealed class InitializerReplacements
{
    private readonly Dictionary<(ScopedName Initializer, string Form), string[]> _replacements = [];
    private readonly HashSet<ScopedName> _replaced = [];

    /// <summary>
    /// The names of initializer <paramref name="name"/>'s replacement in form <paramref name="form"/> (e.g. a layout),
    /// created by <paramref name="create"/> in the initializer's own graph the first time it is asked for.
    /// </summary>
    public string[] GetOrCreate(GraphIndex index, string name, string form, Func<GraphProto, string[]> create)
    {
        var key = (new ScopedName(index.OwnerOf(name), name), form);
        if (!_replacements.TryGetValue(key, out var names))
        {
            _replacements[key] = names = create(key.Item1.Owner);
            _replaced.Add(key.Item1);
        }

        return names;
    }

    /// <summary>Records that <paramref name="name"/>, visible from <paramref name="index"/>'s graph, was replaced by another rewrite.</summary>
    public void Replaced(GraphIndex index, string name) => _replaced.Add(new ScopedName(index.OwnerOf(name), name));

    /// <summary>Drops every replaced initializer that no node of its graph or of that graph's subgraphs reads any more.</summary>
    public void RemoveUnread()
    {
        foreach (var group in _replaced.GroupBy(r => r.Owner, ReferenceEqualityComparer.Instance))
        {
            GraphReferences.RemoveUnreadInitializers((GraphProto)group.Key!, group.Select(r => r.Name));
        }
    }
}
