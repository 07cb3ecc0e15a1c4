using System.Numerics.Tensors;
using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.Smoothing;

/// <summary>
/// SmoothQuant-style scaling (Xiao et al., 2023) before int8 quantization of MatMul/Gemm layers: transformer activations
/// have a few channels hundreds of times larger than the rest, which a per-tensor activation scale cannot serve, while
/// weights are easy to quantize per channel. Each input channel k of the layers reading one activation X is divided by
/// s_k = max|X_k|^α / max|W_k|^(1−α) (measured on calibration data) and the weights' row k multiplied by it: the float
/// model computes the same function, and the difficulty moves from the activation to the weights. The division is one
/// <c>Mul</c> per activation, shared by every layer that reads it (the Q, K and V projections of one attention).
/// </summary>
public static class ActivationSmoothing
{
    // Channels whose statistics are (almost) zero keep scale 1: nothing to balance, and no division by zero.
    private const float Negligible = 1e-5f;

    /// <summary>
    /// Measures max |x| per input channel of every activation that quantizable MatMul/Gemm layers read, in one float run
    /// over the calibration data, and max |w| per input row of the weights reading it; any number of <see cref="Apply"/>
    /// calls (one per α) can then follow.
    /// </summary>
    public static SmoothingStatistics Measure(ModelProto model, QuantizeStep step, LabeledDataset calibration, SourceLocation dataLocation)
    {
        var index = new GraphIndex(model.Graph);
        var groups = Groups(index, step);
        var weightMaxima = groups.ToDictionary(g => g.Activation, g => RowMaxima(g, index), StringComparer.Ordinal);
        return new SmoothingStatistics(groups.Count == 0 ? new Dictionary<string, float[]>() : ChannelMaxima(model, groups, calibration, dataLocation), weightMaxima);
    }

    /// <summary>A copy of <paramref name="model"/> with every measured activation smoothed with migration strength <paramref name="alpha"/>, and the layers that now read smoothed inputs.</summary>
    public static (ModelProto Model, IReadOnlyList<string> SmoothedNodes) Apply(ModelProto model, QuantizeStep step, SmoothingStatistics statistics, float alpha)
    {
        var smoothed = model.Clone();
        var index = new GraphIndex(smoothed.Graph);
        var groups = Groups(index, step).Where(g => statistics.ActivationMaxima.ContainsKey(g.Activation)).ToList();
        var nodes = new List<string>();
        foreach (var group in groups)
        {
            var scales = Scales(statistics.ActivationMaxima[group.Activation], statistics.WeightMaxima[group.Activation], alpha);
            Rewrite(index, group, scales);
            nodes.AddRange(group.Layers.Select(l => l.Node.Name));
        }

        GraphReferences.RemoveUnreadInitializers(smoothed.Graph, groups.SelectMany(g => g.Layers.Select(l => l.Weight)));
        return (smoothed, nodes);
    }

    // Layers reading the same activation share one scale vector; a group needs the same input width throughout.
    private static List<SmoothingGroup> Groups(GraphIndex index, QuantizeStep step)
    {
        var layers = index.Graph.Node
            .Where(n => n.OpType is "MatMul" or "Gemm" && step.OpTypes.Contains(n.OpType, StringComparer.Ordinal)
                && !step.ExcludeNodes.Contains(n.Name, StringComparer.Ordinal) && WeightedOperators.IsKnown(n))
            .Select(n => SmoothedLayer.From(n, index))
            .OfType<SmoothedLayer>();
        return layers.GroupBy(l => l.Node.Input[0], StringComparer.Ordinal)
            .Where(g => !index.Initializers.ContainsKey(g.Key) && g.Select(l => l.InputChannels).Distinct().Count() == 1)
            .Select(g => new SmoothingGroup(g.Key, g.First().InputChannels, [.. g]))
            .ToList();
    }

    // One float run over the calibration data with every group's activation exposed: max |x| per last-axis channel.
    private static IReadOnlyDictionary<string, float[]> ChannelMaxima(ModelProto model, List<SmoothingGroup> groups, LabeledDataset calibration, SourceLocation dataLocation)
    {
        var tensors = groups.Select(g => g.Activation).ToArray();
        var maxima = groups.ToDictionary(g => g.Activation, g => new float[g.InputChannels], StringComparer.Ordinal);
        ActivationCalibrator.RunExposing(model, tensors, calibration, dataLocation, "the smoothing model", batch =>
        {
            for (var t = 0; t < tensors.Length; t++)
            {
                var values = batch.Output(t);
                var channelMax = maxima[tensors[t]];
                for (var i = 0; i < values.Length; i++)
                {
                    var channel = i % channelMax.Length;
                    channelMax[channel] = Math.Max(channelMax[channel], Math.Abs(values[i]));
                }
            }
        });
        return maxima;
    }

    // Max |w| per input row over every layer of the group: they share one scale vector.
    private static float[] RowMaxima(SmoothingGroup group, GraphIndex index)
    {
        var maxima = new float[group.InputChannels];
        foreach (var rows in group.Layers.Select(l => l.RowMaxima(index)))
        {
            TensorPrimitives.Max(maxima, rows, maxima);
        }

        return maxima;
    }

    private static float[] Scales(float[] activationMax, float[] weightMax, float alpha)
    {
        var scales = new float[activationMax.Length];
        for (var k = 0; k < scales.Length; k++)
        {
            scales[k] = activationMax[k] < Negligible || weightMax[k] < Negligible
                ? 1f
                : MathF.Pow(activationMax[k], alpha) / MathF.Pow(weightMax[k], 1 - alpha);
        }

        return scales;
    }

    private static void Rewrite(GraphIndex index, SmoothingGroup group, float[] scales)
    {
        var inverse = index.FreshName($"{group.Activation}_smoothing");
        index.Graph.Initializer.Add(Tensors.FromFloats(inverse, [scales.Length], scales.Select(s => 1f / s).ToArray()));
        var smoothedActivation = index.FreshName($"{group.Activation}_smoothed");
        var divide = Nodes.Create("Mul", [group.Activation, inverse], [smoothedActivation], index.FreshName($"{group.Activation}_Smooth"));
        index.Graph.Node.Insert(index.Graph.Node.IndexOf(group.Layers[0].Node), divide);
        foreach (var layer in group.Layers)
        {
            layer.Node.Input[0] = smoothedActivation;
            layer.Node.Input[1] = layer.ScaleRows(index, scales);
        }
    }

    /// <summary>
    /// Max |x| per input channel of each smoothable activation, as calibration measured it, and max |w| per input row of
    /// the weights that read it (both independent of α).
    /// </summary>
    public sealed record SmoothingStatistics(IReadOnlyDictionary<string, float[]> ActivationMaxima, IReadOnlyDictionary<string, float[]> WeightMaxima);

    private sealed record SmoothingGroup(string Activation, int InputChannels, List<SmoothedLayer> Layers);

    /// <summary>A MatMul [K, N] weight, or a Gemm's (transposed [N, K] with transB=1): rows are its K input channels.</summary>
    private sealed record SmoothedLayer(NodeProto Node, string Weight, bool Transposed, int InputChannels, int OutputChannels)
    {
        public static SmoothedLayer? From(NodeProto node, GraphIndex index)
        {
            var match = WeightedOperators.Match(node, index);
            if (!match.HasConstantWeight || (node.OpType == "Gemm" && node.GetInt("transA", 0) != 0))
            {
                return null;
            }

            var dims = index.Initializers[match.Weight].Dims;
            var transposed = match.ChannelAxis == 0;
            return new SmoothedLayer(node, match.Weight, transposed, (int)dims[transposed ? 1 : 0], (int)dims[transposed ? 0 : 1]);
        }

        public float[] RowMaxima(GraphIndex index)
        {
            var values = Tensors.ToFloats(index.Initializers[Weight]);
            var maxima = new float[InputChannels];
            for (var i = 0; i < values.Length; i++)
            {
                var k = Transposed ? i % InputChannels : i / OutputChannels;
                maxima[k] = Math.Max(maxima[k], Math.Abs(values[i]));
            }

            return maxima;
        }

        /// <summary>A new initializer with input channel k multiplied by <paramref name="scales"/>[k]; returns its name.</summary>
        public string ScaleRows(GraphIndex index, float[] scales)
        {
            var weight = index.Initializers[Weight];
            var values = Tensors.ToFloats(weight);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] *= scales[Transposed ? i % InputChannels : i / OutputChannels];
            }

            var scaled = Tensors.FromFloats(index.FreshName($"{Weight}_smoothed"), [.. weight.Dims], values);
            index.Graph.Initializer.Add(scaled);
            return scaled.Name;
        }
    }
}
