using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation;

/// <summary>
/// Folds an inference-mode BatchNormalization into the Conv that feeds it: per output channel c,
/// W'[c] = W[c]·s[c] and b'[c] = (b[c] − mean[c])·s[c] + β[c], with s[c] = γ[c] / √(var[c] + ε). The pair then
/// quantizes and prunes as one Conv, and runs faster.
/// </summary>
internal static class BatchNormalizationFolding
{
    public static IReadOnlyList<string> Apply(GraphProto graph)
    {
        var folded = new List<NodeProto>();
        var index = new GraphIndex(graph);
        foreach (var norm in graph.Node.Where(n => n.OpType == "BatchNormalization" && string.IsNullOrEmpty(n.Domain)).ToArray())
        {
            if (TryFold(norm, index, graph))
            {
                folded.Add(norm);
            }
        }

        // The folded normalizations' parameters are dead weight unless something else still reads them.
        GraphReferences.RemoveUnreadInitializers(graph, folded.SelectMany(norm => norm.Input.Skip(1)));

        return folded.Select(norm => norm.Name).ToArray();
    }

    private static bool TryFold(NodeProto norm, GraphIndex index, GraphProto graph)
    {
        // Only the inference form (one output), fed by a Conv nobody else reads, with every parameter constant.
        if (norm.Output.Count != 1 || !index.Producers.TryGetValue(norm.Input[0], out var conv) || conv.OpType != "Conv" || !string.IsNullOrEmpty(conv.Domain)
            || index.ConsumersOf(conv.Output[0]).Count != 1 || index.GraphOutputs.Contains(conv.Output[0])
            || !norm.Input.Skip(1).All(index.Initializers.ContainsKey)
            || conv.Input.Count < 2 || !index.Initializers.TryGetValue(conv.Input[1], out var weight)
            || index.ConsumersOf(weight.Name).Count != 1)
        {
            return false;
        }

        var weights = Tensors.ToFloats(weight);
        var channels = (int)weight.Dims[0];
        var bias = conv.Input.Count > 2 && conv.Input[2].Length > 0
            ? (index.ConsumersOf(conv.Input[2]).Count == 1 && index.Initializers.TryGetValue(conv.Input[2], out var b) ? Tensors.ToFloats(b) : null)
            : new float[channels];
        if (bias is null)
        {
            return false;
        }

        var (gamma, beta, mean, variance) = (Parameter(norm, 1), Parameter(norm, 2), Parameter(norm, 3), Parameter(norm, 4));
        var epsilon = norm.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
        var perChannel = weights.Length / channels;
        for (var c = 0; c < channels; c++)
        {
            var scale = gamma[c] / MathF.Sqrt(variance[c] + epsilon);
            for (var i = 0; i < perChannel; i++)
            {
                weights[(c * perChannel) + i] *= scale;
            }

            bias[c] = ((bias[c] - mean[c]) * scale) + beta[c];
        }

        Replace(graph, Tensors.FromFloats(weight.Name, [.. weight.Dims], weights));
        var biasName = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? conv.Input[2] : index.FreshName($"{conv.Name}_folded_bias");
        Replace(graph, Tensors.FromFloats(biasName, [channels], bias));
        while (conv.Input.Count < 3)
        {
            conv.Input.Add(string.Empty);
        }

        conv.Input[2] = biasName;
        conv.Output[0] = norm.Output[0];
        graph.Node.Remove(norm);
        return true;

        float[] Parameter(NodeProto node, int input) => Tensors.ToFloats(index.Initializers[node.Input[input]]);
    }

    // Replaces the initializer of the same name, or adds it (a Conv without a bias gets one).
    private static void Replace(GraphProto graph, TensorProto tensor)
    {
        var existing = graph.Initializer.FirstOrDefault(t => t.Name == tensor.Name);
        if (existing is not null)
        {
            graph.Initializer[graph.Initializer.IndexOf(existing)] = tensor;
        }
        else
        {
            graph.Initializer.Add(tensor);
        }
    }
}
