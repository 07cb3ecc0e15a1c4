using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>Applies the analysis' edits to a graph for the chosen surviving channels of each pruned group.</summary>
internal static class ChannelGraphRewriter
{
    /// <param name="graph">The graph the analysis ran on; rewritten in place.</param>
    /// <param name="dependencies">The analysis' result.</param>
    /// <param name="kept">Surviving channels (ascending) of each pruned group; other groups stay whole.</param>
    public static void Apply(GraphProto graph, ChannelDependencies dependencies, IReadOnlyDictionary<int, int[]> kept)
    {
        var positions = graph.Initializer.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var reshapeTargets = new ReshapeTargets(graph);
        foreach (var edit in dependencies.Edits)
        {
            var indices = edit.Layout.KeptIndices(kept);
            if (indices.Length == edit.Layout.Length)
            {
                continue;
            }

            switch (edit)
            {
                case SliceInitializer slice:
                    var position = positions[slice.Initializer];
                    graph.Initializer[position] = Slice(graph.Initializer[position], slice.Axis, indices);
                    break;
                case SetGroupCount groups:
                    groups.Node.Attribute.Single(a => a.Name == "group").I = indices.Length;
                    break;
                case ResizeReshapeTarget resize:
                    reshapeTargets.Resize(resize.Node, resize.Index, indices.Length);
                    break;
            }
        }

        reshapeTargets.RemoveUnread();

        // Shapes recorded for rewritten tensors are stale; ONNX Runtime infers them again.
        var stale = graph.ValueInfo.Where(v => dependencies.TrackedTensors.Contains(v.Name)).ToList();
        foreach (var info in stale)
        {
            graph.ValueInfo.Remove(info);
        }
    }

    /// <summary>The entries of <paramref name="tensor"/> at <paramref name="indices"/> along <paramref name="axis"/>.</summary>
    public static TensorProto Slice(TensorProto tensor, int axis, IReadOnlyList<int> indices)
    {
        var values = Tensors.ToFloats(tensor);
        var dims = tensor.Dims.ToArray();
        var outer = (int)Tensors.ElementCount(dims.Take(axis));
        var inner = (int)Tensors.ElementCount(dims.Skip(axis + 1));
        var length = (int)dims[axis];
        var sliced = new float[outer * indices.Count * inner];
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < indices.Count; i++)
            {
                values.AsSpan(((o * length) + indices[i]) * inner, inner).CopyTo(sliced.AsSpan(((o * indices.Count) + i) * inner));
            }
        }

        dims[axis] = indices.Count;
        return Tensors.FromFloats(tensor.Name, dims, sliced);
    }
}
