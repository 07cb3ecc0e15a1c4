using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// Layer-wise reconstruction, no labels: each Conv/Gemm/MatMul that reads a pruned tensor gets new weights and bias
/// fitted (ridge least squares) so that, fed the pruned model's activations, it reproduces the original model's
/// output of that layer. Layers are refitted in graph order, so each fit sees the already refitted layers before it.
/// </summary>
internal static class LayerReconstructor
{
    public static IReadOnlyList<LayerReconstruction> Refit(
        ModelProto original, ModelProto pruned, ChannelDependencies dependencies, IReadOnlyDictionary<int, int[]> kept, LabeledDataset data, double ridge)
    {
        var initializers = pruned.Graph.Initializer.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var results = new List<LayerReconstruction>();
        foreach (var layer in dependencies.Consumers.Where(c => c.Match.Kind is LayerKind.Conv or LayerKind.Gemm or LayerKind.MatMul))
        {
            var weight = pruned.Graph.Initializer[initializers[layer.Match.Weight]];
            if (layer.Input.KeptIndices(kept).Length == layer.Input.Length || !LayerSamples.Supports(layer.Node, [.. weight.Dims]))
            {
                continue;
            }

            results.Add(RefitLayer(original, pruned, layer, kept, data, ridge, initializers));
        }

        return results;
    }

    private static LayerReconstruction RefitLayer(
        ModelProto original, ModelProto pruned, ConsumerLayer layer, IReadOnlyDictionary<int, int[]> kept, LabeledDataset data, double ridge, Dictionary<string, int> initializers)
    {
        var node = layer.Node;
        var weight = pruned.Graph.Initializer[initializers[layer.Match.Weight]];
        var current = WeightRows(weight, layer.Match);
        var keptOutputs = layer.Output?.KeptIndices(kept) ?? Enumerable.Range(0, current.Length).ToArray();
        var samples = new LayerSamples(node, [.. weight.Dims], keptOutputs);
        var equations = new NormalEquations(current[0].Length, current.Length);

        string[] tensors = [TwinModel.Prefix + node.Input[0], node.Output[0]];
        ActivationCalibrator.RunExposing(TwinModel.Build(original, pruned), tensors, data, dataLocation: null, "the pruned model", batch =>
        {
            var (x, y, rows) = samples.Rows(batch.Output(0), batch.OutputShape(0), batch.Output(1), batch.OutputShape(1), batch.Count);
            equations.Add(x, y, rows);
        });

        // MatMul has no bias to absorb a mean shift; Conv and Gemm get one if they lack it.
        var intercept = layer.Match.Kind != LayerKind.MatMul;
        var bias = intercept ? BiasOf(pruned.Graph, node, initializers, current.Length) : null;
        var before = equations.MeanSquaredError(current, bias?.Values ?? new double[current.Length]);
        var (weights, fittedBias) = equations.Solve(ridge, intercept);
        var after = equations.MeanSquaredError(weights, fittedBias);

        pruned.Graph.Initializer[initializers[layer.Match.Weight]] = FromRows(weight, weights, layer.Match);
        if (bias is { } b)
        {
            var tensor = Tensors.FromFloats(b.Name, [fittedBias.Length], fittedBias.Select(v => (float)v).ToArray());
            if (initializers.TryGetValue(b.Name, out var position))
            {
                pruned.Graph.Initializer[position] = tensor;
            }
            else
            {
                initializers[b.Name] = pruned.Graph.Initializer.Count;
                pruned.Graph.Initializer.Add(tensor);
                node.Input.Add(b.Name);
            }
        }

        return new LayerReconstruction(node.Name, equations.Rows, before, after);
    }

    private static (string Name, double[] Values)? BiasOf(GraphProto graph, NodeProto node, Dictionary<string, int> initializers, int outputs)
    {
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            return (node.Input[2], Tensors.ToFloats(graph.Initializer[initializers[node.Input[2]]]).Select(v => (double)v).ToArray());
        }

        // Conv takes its bias as input 2, Gemm its C: an absent one is added; node.Input has exactly two entries here.
        return (new GraphIndex(graph).FreshName($"{node.Name}.reconstructed_bias"), new double[outputs]);
    }

    // The weight as one row of input features per output: [M, C, k…] as it is; a [K, N] weight transposed.
    private static double[][] WeightRows(TensorProto weight, LayerMatch match)
    {
        var values = Tensors.ToFloats(weight);
        var outputs = (int)weight.Dims[match.OutputAxis];
        var features = values.Length / outputs;
        return Enumerable.Range(0, outputs).Select(m => Enumerable.Range(0, features)
            .Select(i => (double)values[match.OutputAxis == 0 ? (m * features) + i : (i * outputs) + m]).ToArray()).ToArray();
    }

    private static TensorProto FromRows(TensorProto weight, double[][] rows, LayerMatch match)
    {
        var outputs = rows.Length;
        var features = rows[0].Length;
        var values = new float[outputs * features];
        for (var m = 0; m < outputs; m++)
        {
            for (var i = 0; i < features; i++)
            {
                values[match.OutputAxis == 0 ? (m * features) + i : (i * outputs) + m] = (float)rows[m][i];
            }
        }

        return Tensors.FromFloats(weight.Name, [.. weight.Dims], values);
    }
}
