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
        foreach (var planned in plan.Nodes.Where(n => n.Match.Weighted is not null))
        {
            // The node's own output keeps its name in both models (the QDQ rewrite renames around it or after it).
            var output = original.Graph.Node[planned.NodeIndex].Output[0];
            IBias? bias = planned.Match.Weighted!.Bias is null ? AddBias.After(corrected.Graph, original.Graph, output) : QuantizedBias.Of(corrected.Graph, planned.NodeName, output);
            if (bias is null)
            {
                continue;
            }

            var shift = ChannelMeanShift(original, corrected, bias.Output, bias.Channels, channelsFirst: planned.OpType is "Conv" or "ConvTranspose", data, dataLocation);
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

        /// <summary>The tensor whose channel means the bias sets, where the shift is measured.</summary>
        string Output { get; }

        void Subtract(double[] shift);
    }

    /// <summary>A quantized node's int32 bias initializer and the scales of the DequantizeLinear that reads it.</summary>
    private sealed class QuantizedBias(GraphProto graph, int initializerIndex, float[] scales, string output) : IBias
    {
        public int Channels => scales.Length;

        public string Output => output;

        public static QuantizedBias Of(GraphProto graph, string nodeName, string output)
        {
            var node = graph.Node.Single(n => n.Name == nodeName);
            var dequantize = graph.Node.Single(n => n.Output.Contains(node.Input[2]));
            var index = graph.Initializer.ToList().FindIndex(t => t.Name == dequantize.Input[0]);
            var scales = Tensors.ToFloats(graph.Initializer.Single(t => t.Name == dequantize.Input[1]));
            return new QuantizedBias(graph, index, scales, output);
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
    /// The constant of the <c>Add</c> after a quantized MatMul (how TensorFlow and ONNX exporters write a dense layer's
    /// bias): a float vector, from which the shift is subtracted as it is, or — when static quantization quantized the Add
    /// too — a per-tensor quantized vector behind a DequantizeLinear, requantized with parameters that fit the new
    /// values. Only a vector read by that Add alone. The shift is measured at the Add's output, so that it also covers
    /// the rounding of a quantized Add.
    /// </summary>
    private sealed class AddBias(GraphProto graph, TensorProto constant, NodeProto? dequantize, string sum) : IBias
    {
        public int Channels => (int)Tensors.ElementCount(constant.Dims);

        public string Output => sum;

        /// <summary>The bias in <paramref name="graph"/> (quantized) of the Add that reads <paramref name="output"/>, if any.</summary>
        public static AddBias? After(GraphProto graph, GraphProto original, string output)
        {
            var index = new GraphIndex(graph);
            if (index.ConsumersOf(output) is not [{ OpType: "Add", Domain: "" } add])
            {
                return null;
            }

            var input = add.Input.FirstOrDefault(i => i != output && (index.Initializers.ContainsKey(i) || QuantizedConstant(index, i) is not null));
            if (input is null || index.ConsumersOf(input).Count != 1)
            {
                return null;
            }

            var dequantize = QuantizedConstant(index, input);
            var tensor = index.Initializers[dequantize?.Input[0] ?? input];
            var isVector = tensor.Dims.Count(d => d != 1) <= 1;
            return isVector && (dequantize is not null || tensor.DataType == (int)TensorProto.Types.DataType.Float) ? new AddBias(graph, tensor, dequantize, Sum(original, output)) : null;
        }

        public void Subtract(double[] shift)
        {
            var values = dequantize is null ? Tensors.ToFloats(constant) : Dequantized();
            for (var c = 0; c < values.Length; c++)
            {
                values[c] = (float)(values[c] - shift[c]);
            }

            if (dequantize is null)
            {
                Replace(constant, Tensors.FromFloats(constant.Name, constant.Dims, values));
                return;
            }

            var type = (TensorProto.Types.DataType)constant.DataType;
            var (qmin, qmax) = QuantizedTensors.Limits(type);
            var parameters = QuantizationMath.Asymmetric(values.Min(), values.Max(), qmin, qmax);
            var q = values.Select(v => QuantizationMath.QuantizeAsymmetric(v, parameters, qmin, qmax)).ToArray();
            Replace(constant, QuantizedTensors.From(constant.Name, type, constant.Dims, q));
            Replace(Initializer(dequantize.Input[1]), Tensors.FromFloats(dequantize.Input[1], [], [parameters.Scale]));
            Replace(Initializer(dequantize.Input[2]), QuantizedTensors.From(dequantize.Input[2], type, [], [parameters.ZeroPoint]));
        }

        // The Add's output under its original name: the quantized graph gives it to the Add's Q/DQ pair instead.
        private static string Sum(GraphProto original, string output) =>
            original.Node.Single(n => n.OpType == "Add" && n.Input.Contains(output)).Output[0];

        // A DequantizeLinear of a constant with scalar scale and zero point produces the tensor.
        private static NodeProto? QuantizedConstant(GraphIndex index, string tensor) =>
            index.Producers.TryGetValue(tensor, out var producer) && producer is { OpType: "DequantizeLinear", Input.Count: 3 }
            && index.Initializers.ContainsKey(producer.Input[0]) && index.Initializers.TryGetValue(producer.Input[1], out var scale) && scale.Dims.Count == 0
                ? producer
                : null;

        private float[] Dequantized()
        {
            var scale = Tensors.ToFloats(Initializer(dequantize!.Input[1]))[0];
            var zeroPoint = QuantizedTensors.Values(Initializer(dequantize.Input[2]))[0];
            return QuantizedTensors.Values(constant).Select(q => (q - zeroPoint) * scale).ToArray();
        }

        private TensorProto Initializer(string name) => graph.Initializer.Single(t => t.Name == name);

        private void Replace(TensorProto old, TensorProto replacement) => graph.Initializer[graph.Initializer.IndexOf(old)] = replacement;
    }
}
