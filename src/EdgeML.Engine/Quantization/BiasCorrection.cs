using System.Runtime.InteropServices;
using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Quantization;

/// <summary>
/// Post-training bias correction (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias
/// Correction", 2019, here measured on calibration data): rounding a layer's weights to int8 shifts the mean of
/// each output channel by δW·E[x], a systematic error that zero-mean noise does not cancel. For each quantized
/// layer with a bias, the mean per-channel difference between the quantized and the float model's output is
/// subtracted from its int32 bias (requantized at its own scale, input_scale × weight_scale), or, for a MatMul,
/// from the float constant of the Add that follows it. Layers without a bias are left as they are.
/// Layer by layer in graph order, each measured after the layers before it were corrected: a single pass would
/// also correct later layers for upstream shifts that the upstream corrections already remove.
/// </summary>
internal static class BiasCorrection
{
    /// <param name="original">The float model the plan was made for.</param>
    /// <param name="quantized">Its QDQ form.</param>
    /// <param name="plan">The plan that produced <paramref name="quantized"/>.</param>
    /// <param name="data">Calibration samples.</param>
    /// <param name="dataLocation">Where the recipe names the data, for errors.</param>
    /// <returns>A corrected copy and the nodes whose bias changed.</returns>
    public static (ModelProto Model, IReadOnlyList<string> CorrectedNodes) Apply(ModelProto original, ModelProto quantized, QuantizationPlan plan, LabeledDataset data, SourceLocation dataLocation)
    {
        var corrected = quantized.Clone();
        var nodes = new List<string>();
        foreach (var planned in plan.Nodes)
        {
            // The node's own output keeps its name in both models (the QDQ rewrite renames around it or after it).
            var output = original.Graph.Node[planned.NodeIndex].Output[0];
            IBias? bias = planned.Match.Bias is null ? FloatAddBias.After(corrected.Graph, output) : QuantizedBias.Of(corrected.Graph, planned.NodeName);
            if (bias is null)
            {
                continue;
            }

            var shift = ChannelMeanShift(original, corrected, output, bias.Channels, channelsFirst: planned.OpType == "Conv", data, dataLocation);
            bias.Subtract(shift);
            nodes.Add(planned.NodeName);
        }

        return (corrected, nodes);
    }

    // Mean of (quantized − float) per output channel: axis 1 for Conv ([N, C, …]), the last axis for Gemm and MatMul.
    private static double[] ChannelMeanShift(ModelProto original, ModelProto quantized, string tensor, int channels, bool channelsFirst, LabeledDataset data, SourceLocation dataLocation)
    {
        var sums = new double[channels];
        long valuesPerChannel = 0;
        PairedActivations.Run(original, quantized, [tensor], data, dataLocation, (_, reference, candidate, valuesPerSample) =>
        {
            var inner = channelsFirst ? valuesPerSample / channels : 1;
            for (var j = 0; j < reference.Length; j++)
            {
                sums[(j % valuesPerSample / inner) % channels] += candidate[j] - reference[j];
            }

            valuesPerChannel += reference.Length / channels;
        });
        return sums.Select(sum => valuesPerChannel == 0 ? 0 : sum / valuesPerChannel).ToArray();
    }

    /// <summary>A bias vector that can absorb a per-channel shift.</summary>
    private interface IBias
    {
        int Channels { get; }

        void Subtract(double[] shift);
    }

    /// <summary>A quantized node's int32 bias initializer and the scales of the DequantizeLinear that reads it.</summary>
    private sealed class QuantizedBias(GraphProto graph, int initializerIndex, float[] scales) : IBias
    {
        public int Channels => scales.Length;

        public static QuantizedBias Of(GraphProto graph, string nodeName)
        {
            var node = graph.Node.Single(n => n.Name == nodeName);
            var dequantize = graph.Node.Single(n => n.Output.Contains(node.Input[2]));
            var index = graph.Initializer.ToList().FindIndex(t => t.Name == dequantize.Input[0]);
            var scales = Tensors.ToFloats(graph.Initializer.Single(t => t.Name == dequantize.Input[1]));
            return new QuantizedBias(graph, index, scales);
        }

        public void Subtract(double[] shift)
        {
            var tensor = graph.Initializer[initializerIndex];
            var q = MemoryMarshal.Cast<byte, int>(tensor.RawData.Span).ToArray();
            for (var c = 0; c < q.Length; c++)
            {
                q[c] = QuantizationMath.QuantizeBias((float)((q[c] * (double)scales[c]) - shift[c]), scales[c]);
            }

            graph.Initializer[initializerIndex] = Tensors.FromInt32(tensor.Name, tensor.Dims, q);
        }
    }
    /// <summary>
    /// The float constant of the <c>Add</c> after a quantized MatMul (how TensorFlow and ONNX exporters write a dense
    /// layer's bias); it stays in float, so the shift is subtracted as it is. Only a vector read by that Add alone.
    /// </summary>
    private sealed class FloatAddBias(GraphProto graph, int initializerIndex) : IBias
    {
        public int Channels => (int)Tensors.ElementCount(graph.Initializer[initializerIndex].Dims);

        public static FloatAddBias? After(GraphProto graph, string output)
        {
            var index = new GraphIndex(graph);
            if (index.ConsumersOf(output) is not [{ OpType: "Add", Domain: "" } add])
            {
                return null;
            }

            var constant = add.Input.FirstOrDefault(input => input != output && index.Initializers.ContainsKey(input));
            var tensor = constant is null ? null : index.Initializers[constant];
            return tensor is { DataType: (int)TensorProto.Types.DataType.Float } && tensor.Dims.Count(d => d != 1) <= 1 && index.ConsumersOf(constant!).Count == 1
                ? new FloatAddBias(graph, graph.Initializer.IndexOf(tensor))
                : null;
        }

        public void Subtract(double[] shift)
        {
            var tensor = graph.Initializer[initializerIndex];
            var values = Tensors.ToFloats(tensor);
            for (var c = 0; c < values.Length; c++)
            {
                values[c] = (float)(values[c] - shift[c]);
            }

            graph.Initializer[initializerIndex] = Tensors.FromFloats(tensor.Name, tensor.Dims, values);
        }
    }
}
