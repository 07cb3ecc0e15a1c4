using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.Fp16;

/// <summary>
/// <c>mode: fp16</c> as "float16 weights, float compute": every float initializer is stored as float16 and a
/// <c>Cast(to=float)</c> restores it under its old name, so the model's nodes, inputs and outputs stay float.
/// Subgraphs (If branches, Loop and Scan bodies) are converted too: each initializer in the graph that declares it,
/// whose Cast then serves the readers in that graph and in the subgraphs nested in it.
/// </summary>
/// <remarks>
/// Why not float16 computation: ONNX Runtime 1.31's CPU provider has no float16 kernel for MatMul, Gemm, Add,
/// Mul, Relu, Sigmoid, Softmax and most other math (verified by running one-node models); it loads such a model
/// only by wrapping every node in Casts, so compute would stay float while paying a conversion and a float16
/// rounding at each node. The Cast on an initializer, by contrast, is constant-folded at session load (basic
/// optimization level and up): the file halves and inference runs exactly the float kernels on the rounded weights.
/// </remarks>
public static class Fp16Converter
{
    // Below this many elements the Cast node costs about as many bytes as float16 saves.
    private const int MinElements = 16;

    public static QuantizationResult Apply(ModelProto model, QuantizeStep step)
    {
        var converted = model.Clone();
        var graphInputs = converted.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var convertedReaders = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var skipped = new List<SkippedNode>();
        var names = new List<string>();
        NestedGraphs.Rewrite(converted.Graph, index =>
        {
            var readers = ReadersWithin(index.Graph);
            Convert(index, step, name => readers.GetValueOrDefault(name) ?? [], graphInputs, convertedReaders, skipped);
            // Graphs are visited before the subgraphs they hold, so each reader is listed once, in graph order.
            names.AddRange(index.Graph.Node.Where(convertedReaders.Contains).Select(n => n.Name));
        });

        return new QuantizationResult(converted, names, skipped);
    }

    private static void Convert(GraphIndex index, QuantizeStep step, Func<string, IReadOnlyList<NodeProto>> readersOf, HashSet<string> graphInputs,
        HashSet<NodeProto> convertedReaders, List<SkippedNode> skipped)
    {
        var graph = index.Graph;
        var casts = new List<NodeProto>();
        var initializers = new List<TensorProto>();
        foreach (var tensor in graph.Initializer)
        {
            var readers = readersOf(tensor.Name);
            // An initializer listed as a graph input is a default the caller may override with a float tensor.
            if (tensor.DataType != (int)TensorProto.Types.DataType.Float || graphInputs.Contains(tensor.Name)
                || readers.Count == 0 || Tensors.ElementCount(tensor.Dims) < MinElements)
            {
                initializers.Add(tensor);
                continue;
            }

            var values = Tensors.ToFloats(tensor);
            var why = readers.Any(r => step.ExcludeNodes.Contains(r.Name, StringComparer.Ordinal))
                ? "excluded by the recipe"
                : Float16Tensors.WhyNotConvertible(values);
            if (why is not null)
            {
                skipped.AddRange(readers.Select(r => new SkippedNode(r.Name, r.OpType, $"its initializer '{tensor.Name}' stays float: {why}")));
                initializers.Add(tensor);
                continue;
            }

            var half = Float16Tensors.From(index.FreshName($"{tensor.Name}_fp16"), tensor.Dims, values);
            initializers.Add(half);
            casts.Add(Nodes.Create("Cast", [half.Name], [tensor.Name], index.FreshName($"{tensor.Name}_to_float"), Nodes.Int("to", (int)TensorProto.Types.DataType.Float)));
            convertedReaders.UnionWith(readers);
        }

        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        // The Casts read only initializers, so ahead of every node keeps the graph topologically sorted.
        var nodes = casts.Concat(graph.Node).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
    }

    // The nodes that read each tensor name, in the graph and in the subgraphs nested in it (outer-scope reads).
    private static Dictionary<string, List<NodeProto>> ReadersWithin(GraphProto graph)
    {
        var readers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in GraphReferences.WithSubgraphs(graph).SelectMany(g => g.Node))
        {
            foreach (var input in node.Input.Where(i => i.Length > 0).Distinct(StringComparer.Ordinal))
            {
                if (!readers.TryGetValue(input, out var list))
                {
                    readers[input] = list = [];
                }

                list.Add(node);
            }
        }

        return readers;
    }
}
