using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization;

/// <summary>
/// Static int8 quantization in QDQ form, the form ONNX Runtime fuses into integer kernels on CPU
/// (QLinearConv, QLinearMatMul, QGemm): weights become int8 constants with per-channel symmetric scales
/// behind a DequantizeLinear; activations get QuantizeLinear/DequantizeLinear pairs with calibrated ranges;
/// biases become int32 with scale input_scale × weight_scale, as the integer kernels expect. A ReLU right
/// after a quantized node is folded into that node's output quantization (a range starting at 0 clamps
/// exactly like ReLU), so the pair runs as one integer kernel.
/// </summary>
public static class QdqQuantizer
{
    private const int PerChannelOpset = 13;
    private const int PerTensorOpset = 10;

    /// <summary>Decides which nodes to quantize. Fails for models whose opset cannot express the result.</summary>
    /// <summary>The oldest default-domain opset that can express the step's result (per-axis DequantizeLinear needs 13).</summary>
    public static long RequiredOpset(QuantizeStep step) => step.PerChannel ? PerChannelOpset : PerTensorOpset;

    public static QuantizationPlan Plan(ModelProto model, QuantizeStep step)
    {
        var opset = model.DefaultOpset();
        var needed = RequiredOpset(step);
        if (opset < needed)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported,
                $"the model uses opset {opset}; {(step.PerChannel ? "per-channel" : "per-tensor")} int8 quantization needs opset {needed} or later (re-export the model with a newer opset)",
                step.Location);
        }

        var graph = new GraphIndex(model.Graph);
        var planned = new List<PlannedNode>();
        var skipped = new List<SkippedNode>();
        var nodes = model.Graph.Node;
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (!step.OpTypes.Contains(node.OpType, StringComparer.Ordinal) || !WeightedOperators.IsKnown(node))
            {
                continue;
            }

            var excludedBecause = step.ExcludeNodes.Contains(node.Name, StringComparer.Ordinal) ? "excluded by the recipe"
                : step.FallbackNodes.Contains(node.Name, StringComparer.Ordinal) ? "fell back to float to pass the gates (accuracy_aware)"
                : null;
            if (excludedBecause is not null)
            {
                skipped.Add(new SkippedNode(node.Name, node.OpType, excludedBecause));
                continue;
            }

            var match = QuantizableOperators.Match(node, graph);
            if (!match.IsQuantizable)
            {
                skipped.Add(new SkippedNode(node.Name, node.OpType, match.Reason!));
                continue;
            }

            var fused = FindFoldableRelu(node, graph, nodes);
            planned.Add(new PlannedNode(i, node.Name, node.OpType, match, fused is { } r ? nodes[r].Output[0] : node.Output[0], fused));
        }

        return new QuantizationPlan(planned, skipped);
    }

    /// <summary>Rewrites a copy of <paramref name="model"/> according to <paramref name="plan"/>.</summary>
    public static ModelProto Apply(ModelProto model, QuantizationPlan plan, IReadOnlyDictionary<string, TensorRange> ranges, QuantizeStep step)
    {
        var quantized = model.Clone();
        new Rewriter(quantized.Graph, ranges, step).Run(plan);
        return quantized;
    }

    // A ReLU can be folded when it is the only reader of the node's output and nobody else sees the pre-ReLU value.
    private static int? FindFoldableRelu(NodeProto node, GraphIndex graph, IList<NodeProto> nodes)
    {
        var output = node.Output[0];
        if (graph.GraphOutputs.Contains(output) || graph.ConsumersOf(output) is not [{ OpType: "Relu", Domain: "" } relu])
        {
            return null;
        }

        return nodes.IndexOf(relu);
    }

    /// <summary>One application of a plan to one graph.</summary>
    private sealed class Rewriter(GraphProto graph, IReadOnlyDictionary<string, TensorRange> ranges, QuantizeStep step)
    {
        private readonly GraphIndex _index = new(graph);
        private readonly List<NodeProto> _prologue = [];
        private readonly Dictionary<NodeProto, List<NodeProto>> _emitAfter = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<NodeProto> _removed = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, QuantizationParameters> _activationParameters = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Dequantized, float[] Scales)> _weights = new(StringComparer.Ordinal);
        private readonly HashSet<string> _replacedInitializers = new(StringComparer.Ordinal);

        private (int QMin, int QMax, TensorProto.Types.DataType Type) ActivationType => step.Activations == Recipes.ActivationType.UInt8
            ? (0, 255, TensorProto.Types.DataType.Uint8)
            : (-128, 127, TensorProto.Types.DataType.Int8);

        public void Run(QuantizationPlan plan)
        {
            var original = graph.Node.ToList();
            foreach (var planned in plan.Nodes)
            {
                var node = original[planned.NodeIndex];
                var relu = planned.FusedActivationIndex is { } r ? original[r] : null;
                QuantizeActivation(planned.Match.Activation);
                QuantizeOutput(node, planned.OutputTensor, relu);
                var weightScales = QuantizeWeight(node, planned.Match);
                if (planned.Match.Bias is { } bias)
                {
                    QuantizeBias(node, bias, planned.Match.Activation, weightScales);
                }
            }

            graph.Node.Clear();
            graph.Node.AddRange(_prologue);
            foreach (var node in original.Where(n => !_removed.Contains(n)))
            {
                graph.Node.Add(node);
                if (_emitAfter.TryGetValue(node, out var following))
                {
                    graph.Node.AddRange(following);
                }
            }

            GraphReferences.RemoveUnreadInitializers(graph, _replacedInitializers);
        }

        private void QuantizeActivation(string tensor)
        {
            if (_activationParameters.ContainsKey(tensor))
            {
                return;
            }

            if (_index.Producers.TryGetValue(tensor, out var producer))
            {
                // Rename the producer's output so that every reader (and a graph output) sees the dequantized value.
                var source = _index.FreshName($"{tensor}_float");
                producer.Output[producer.Output.IndexOf(tensor)] = source;
                EmitAfter(producer, QdqPair(tensor, source, tensor));
            }
            else
            {
                // A graph input keeps its name; its readers switch to the dequantized copy.
                var dequantized = _index.FreshName($"{tensor}_dequantized");
                foreach (var consumer in _index.ConsumersOf(tensor))
                {
                    Rewire(consumer, tensor, dequantized);
                }

                _prologue.AddRange(QdqPair(tensor, tensor, dequantized));
            }
        }

        private void QuantizeOutput(NodeProto node, string outputTensor, NodeProto? relu)
        {
            if (relu is null)
            {
                QuantizeActivation(outputTensor);
                return;
            }

            // The quantized range of the ReLU's output starts at 0, so QuantizeLinear clamps exactly like the ReLU.
            _removed.Add(relu);
            EmitAfter(node, QdqPair(outputTensor, node.Output[0], outputTensor));
        }

        private IEnumerable<NodeProto> QdqPair(string rangeTensor, string source, string destination)
        {
            if (!ranges.TryGetValue(rangeTensor, out var range) || !float.IsFinite(range.Min) || !float.IsFinite(range.Max))
            {
                throw new EdgeMLException(DiagnosticCodes.InternalError, $"no calibrated range for tensor '{rangeTensor}'");
            }

            var (qmin, qmax, type) = ActivationType;
            var parameters = QuantizationMath.Asymmetric(range.Min, range.Max, qmin, qmax);
            _activationParameters[rangeTensor] = parameters;
            var scale = AddInitializer(Tensors.FromFloats(_index.FreshName($"{rangeTensor}_scale"), [], [parameters.Scale]));
            var zeroPoint = AddInitializer(type == TensorProto.Types.DataType.Uint8
                ? Tensors.FromUInt8(_index.FreshName($"{rangeTensor}_zero_point"), [], [(byte)parameters.ZeroPoint])
                : Tensors.FromInt8(_index.FreshName($"{rangeTensor}_zero_point"), [], [(sbyte)parameters.ZeroPoint]));
            var quantized = _index.FreshName($"{rangeTensor}_quantized");
            yield return Nodes.Create("QuantizeLinear", [source, scale, zeroPoint], [quantized], _index.FreshName($"{rangeTensor}_QuantizeLinear"));
            yield return Nodes.Create("DequantizeLinear", [quantized, scale, zeroPoint], [destination], _index.FreshName($"{rangeTensor}_DequantizeLinear"));
        }

        private float[] QuantizeWeight(NodeProto node, OperatorMatch match)
        {
            var key = $"{match.Weight}@{match.ChannelAxis}";
            if (!_weights.TryGetValue(key, out var quantized))
            {
                var weight = _index.Initializers[match.Weight];
                var values = Tensors.ToFloats(weight);
                var dims = weight.Dims.ToArray();
                var channels = step.PerChannel ? (int)dims[match.ChannelAxis] : 1;
                var stride = step.PerChannel ? (int)Tensors.ElementCount(dims.Skip(match.ChannelAxis + 1)) : values.Length;
                var scales = ChannelScales(values, channels, stride);
                var q = new sbyte[values.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    q[i] = QuantizationMath.QuantizeSymmetric(values[i], scales[(i / stride) % channels]);
                }

                long[] parameterDims = step.PerChannel ? [channels] : [];
                var qName = AddInitializer(Tensors.FromInt8(_index.FreshName($"{match.Weight}_quantized"), dims, q));
                var scaleName = AddInitializer(Tensors.FromFloats(_index.FreshName($"{match.Weight}_scale"), parameterDims, scales));
                var zeroName = AddInitializer(Tensors.FromInt8(_index.FreshName($"{match.Weight}_zero_point"), parameterDims, new sbyte[channels]));
                var dequantized = _index.FreshName($"{match.Weight}_dequantized");
                var dq = step.PerChannel
                    ? Nodes.Create("DequantizeLinear", [qName, scaleName, zeroName], [dequantized], _index.FreshName($"{match.Weight}_DequantizeLinear"), Nodes.Int("axis", match.ChannelAxis))
                    : Nodes.Create("DequantizeLinear", [qName, scaleName, zeroName], [dequantized], _index.FreshName($"{match.Weight}_DequantizeLinear"));
                _prologue.Add(dq);
                _replacedInitializers.Add(match.Weight);
                _weights[key] = quantized = (dequantized, scales);
            }

            node.Input[1] = quantized.Dequantized;
            return quantized.Scales;
        }

        private static float[] ChannelScales(float[] values, int channels, int stride)
        {
            var perChannel = new List<float>[channels];
            for (var c = 0; c < channels; c++)
            {
                perChannel[c] = [];
            }

            for (var i = 0; i < values.Length; i++)
            {
                perChannel[(i / stride) % channels].Add(values[i]);
            }

            return perChannel.Select(v => QuantizationMath.SymmetricScale(v.ToArray())).ToArray();
        }

        private void QuantizeBias(NodeProto node, string bias, string activation, float[] weightScales)
        {
            var values = Tensors.ToFloats(_index.Initializers[bias]);
            var activationScale = _activationParameters[activation].Scale;
            var scales = new float[values.Length];
            var q = new int[values.Length];
            for (var c = 0; c < values.Length; c++)
            {
                scales[c] = activationScale * weightScales[weightScales.Length == 1 ? 0 : c];
                q[c] = QuantizationMath.QuantizeBias(values[c], scales[c]);
            }

            long[] dims = [values.Length];
            var qName = AddInitializer(Tensors.FromInt32(_index.FreshName($"{bias}_quantized"), dims, q));
            var scaleName = AddInitializer(Tensors.FromFloats(_index.FreshName($"{bias}_scale"), dims, scales));
            var zeroName = AddInitializer(Tensors.FromInt32(_index.FreshName($"{bias}_zero_point"), dims, new int[values.Length]));
            var dequantized = _index.FreshName($"{bias}_dequantized");
            _prologue.Add(Nodes.Create("DequantizeLinear", [qName, scaleName, zeroName], [dequantized], _index.FreshName($"{bias}_DequantizeLinear"), Nodes.Int("axis", 0)));
            _replacedInitializers.Add(bias);
            node.Input[2] = dequantized;
        }

        private string AddInitializer(TensorProto tensor)
        {
            graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        private void EmitAfter(NodeProto node, IEnumerable<NodeProto> nodes)
        {
            if (!_emitAfter.TryGetValue(node, out var list))
            {
                _emitAfter[node] = list = [];
            }

            list.AddRange(nodes);
        }

        private static void Rewire(NodeProto consumer, string from, string to)
        {
            for (var i = 0; i < consumer.Input.Count; i++)
            {
                if (consumer.Input[i] == from)
                {
                    consumer.Input[i] = to;
                }
            }
        }
    }
}
