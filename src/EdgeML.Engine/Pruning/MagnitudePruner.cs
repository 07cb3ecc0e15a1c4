using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pruning;

/// <summary>
/// Unstructured magnitude pruning: the smallest constant float weights of MatMul, Gemm and Conv nodes become
/// exactly zero. The graph keeps its shape; the zeros pay off through compressed storage (and survive int8
/// quantization, whose symmetric scales map 0 to 0). Biases are never pruned: they are few and each matters.
/// </summary>
public static class MagnitudePruner
{
    /// <summary>Prunes a copy of <paramref name="model"/> as <paramref name="step"/> says; the original is untouched.</summary>
    public static (ModelProto Pruned, PruningReport Report) Apply(ModelProto model, PruneStep step)
    {
        var pruned = model.Clone();
        CheckLayerNames(pruned.Graph, step);

        var (layers, leftWhole) = FindLayers(pruned.Graph, step);
        foreach (var group in Groups(layers, step))
        {
            var count = (int)Math.Round(group.Sparsity * group.Layers.Sum(layer => layer.Values.Length), MidpointRounding.AwayFromZero);
            MagnitudeSelection.ZeroSmallest(group.Layers.Select(layer => layer.Values).ToArray(), count);
        }

        var report = layers.Select(layer => layer.WriteBack(pruned.Graph)).ToArray();
        return (pruned, new PruningReport(report, leftWhole));
    }

    // A per-node override for a node that does not exist is almost always a typo; say so at the override.
    private static void CheckLayerNames(GraphProto graph, PruneStep step)
    {
        var names = graph.Node.Select(node => node.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, sparsity) in step.LayerSparsity)
        {
            if (!names.Contains(name))
            {
                var hint = ClosestName.Find(name, names) is { } closest ? $"; did you mean '{closest}'?" : "";
                throw new EdgeMLException(DiagnosticCodes.RecipeInvalidValue, $"'prune.layers' names the node '{name}', which the model does not have{hint}", sparsity.Location);
            }
        }
    }

    private static (List<Layer> Layers, List<WholeLayer> LeftWhole) FindLayers(GraphProto graph, PruneStep step)
    {
        var index = new GraphIndex(graph);
        var layers = new List<Layer>();
        var leftWhole = new List<WholeLayer>();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(node => step.OpTypes.Contains(node.OpType, StringComparer.Ordinal) && WeightedOperators.IsKnown(node)))
        {
            var weighted = WeightedOperators.Match(node, index);
            var reason = step.SkipNodes.Contains(node.Name, StringComparer.Ordinal) ? "skipped by the recipe"
                : !weighted.HasConstantWeight ? weighted.Reason
                : owners.TryGetValue(weighted.Weight, out var owner) ? $"its weight '{weighted.Weight}' is shared with node '{owner}' and pruned there"
                : null;
            if (reason is not null)
            {
                leftWhole.Add(new WholeLayer(node.Name, node.OpType, reason));
                continue;
            }

            owners[weighted.Weight] = node.Name;
            var tensor = index.Initializers[weighted.Weight];
            layers.Add(new Layer(node, tensor, Tensors.ToFloats(tensor)));
        }

        return (layers, leftWhole);
    }

    /// <summary>
    /// The sets of weights that share one magnitude threshold: each layer alone, or (global scope) every layer
    /// without an override together.
    /// </summary>
    private static IEnumerable<(double Sparsity, IReadOnlyList<Layer> Layers)> Groups(IReadOnlyList<Layer> layers, PruneStep step)
    {
        var pooled = new List<Layer>();
        foreach (var layer in layers)
        {
            if (step.LayerSparsity.TryGetValue(layer.Node.Name, out var sparsity))
            {
                yield return (sparsity.Value, [layer]);
            }
            else if (step.Scope == PruningScope.Global)
            {
                pooled.Add(layer);
            }
            else
            {
                yield return (step.Sparsity.Value, [layer]);
            }
        }

        if (pooled.Count > 0)
        {
            yield return (step.Sparsity.Value, pooled);
        }
    }

    /// <summary>A weight being pruned: its node, its tensor as found, and its values, zeroed in place.</summary>
    private sealed record Layer(NodeProto Node, TensorProto Tensor, float[] Values)
    {
        private readonly long _zerosBefore = Values.LongCount(value => value == 0f);

        /// <summary>Replaces the tensor in <paramref name="graph"/> when pruning changed it, and reports on it.</summary>
        public PrunedLayer WriteBack(GraphProto graph)
        {
            var zerosAfter = Values.LongCount(value => value == 0f);

            // An unchanged tensor keeps its original encoding, so pruning nothing leaves the model byte for byte.
            if (zerosAfter != _zerosBefore)
            {
                graph.Initializer[graph.Initializer.IndexOf(Tensor)] = Tensors.FromFloats(Tensor.Name, Tensor.Dims, Values);
            }

            return new PrunedLayer(Node.Name, Node.OpType, Tensor.Name, Values.Length, _zerosBefore, zerosAfter);
        }
    }
}
