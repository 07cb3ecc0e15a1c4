using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// Rewrites the constant target shapes of Reshapes whose head counts change. Exports and graph optimizers often
/// share one shape constant between the Reshapes of Q, K and V, or across layers, so a shared constant is never
/// changed under its other readers: each distinct rewritten shape becomes one new constant, and a constant no node
/// reads any more is removed at the end.
/// </summary>
internal sealed class ReshapeTargets(GraphProto graph)
{
    private readonly GraphIndex _index = new(graph);
    private readonly Dictionary<string, string> _copies = new(StringComparer.Ordinal);
    private readonly HashSet<string> _abandoned = new(StringComparer.Ordinal);

    /// <summary>Sets entry <paramref name="index"/> of <paramref name="reshape"/>'s constant target shape to <paramref name="length"/>.</summary>
    public void Resize(NodeProto reshape, int index, long length)
    {
        var name = reshape.Input[1];
        var original = _index.Initializers[name];
        var values = Tensors.ToInt64s(original);
        values[index] = length;
        if (_index.ConsumersOf(name).Count == 1)
        {
            graph.Initializer[graph.Initializer.IndexOf(original)] = Tensors.FromInt64(name, [.. original.Dims], values);
            return;
        }

        var key = $"{name}[{string.Join(',', values)}]";
        if (!_copies.TryGetValue(key, out var copy))
        {
            _copies[key] = copy = _index.FreshName($"{name}_pruned");
            graph.Initializer.Add(Tensors.FromInt64(copy, [.. original.Dims], values));
        }

        reshape.Input[1] = copy;
        _abandoned.Add(name);
    }

    /// <summary>Removes the shared constants whose every reader now has a rewritten copy.</summary>
    public void RemoveUnread() => GraphReferences.RemoveUnreadInitializers(graph, _abandoned);
}
