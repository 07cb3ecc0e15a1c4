using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization;

/// <summary>
/// Static int8 quantization in QDQ form, the form ONNX Runtime fuses into integer kernels on CPU. Which tensors of a
/// node are quantized, and how, comes from the operator registry (<see cref="QuantizableOperators"/>): weights become
/// int8 constants with per-channel symmetric scales behind a DequantizeLinear, biases int32 with scale
/// input_scale × weight_scale; every quantized activation tensor gets exactly one QuantizeLinear/DequantizeLinear pair,
/// shared by all its readers, with calibrated parameters — or, at the output of a data-movement operator, its input's
/// parameters, so that ONNX Runtime drops the pair around it. A ReLU right after a node with a calibrated output is folded
/// into that output's quantization (a range starting at 0 clamps exactly like ReLU). <c>overrides</c> fix a tensor's range
/// or type, keep it float, or choose a weight's granularity.
/// </summary>
public static class QdqQuantizer
{
    private const int PerChannelOpset = 13;
    private const int PerTensorOpset = 10;

    /// <summary>The oldest default-domain opset that can express the step's result (per-axis DequantizeLinear needs 13).</summary>
    public static long RequiredOpset(QuantizeStep step) => UsesPerChannel(step) ? PerChannelOpset : PerTensorOpset;

    /// <summary>Decides which nodes to quantize. Fails for models whose opset cannot express the result, and for overrides of tensors the model lacks.</summary>
    public static QuantizationPlan Plan(ModelProto model, QuantizeStep step)
    {
        var opset = model.DefaultOpset();
        var needed = RequiredOpset(step);
        if (opset < needed)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported,
                $"the model uses opset {opset}; {(UsesPerChannel(step) ? "per-channel" : "per-tensor")} int8 quantization needs opset {needed} or later (re-export the model with a newer opset)",
                step.Location);
        }

        var graph = new GraphIndex(model.Graph);
        TensorOverrides.Check(graph, step);

        // Type inference loads the model in ONNX Runtime: only worth it when an operator without a weight is a candidate.
        var floats = new Lazy<IReadOnlySet<string>>(() => FloatTensors.Of(model));
        var planned = new List<PlannedNode>();
        var skipped = new List<SkippedNode>();
        var nodes = model.Graph.Node;
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (!step.OpTypes.Contains(node.OpType, StringComparer.Ordinal) || !QuantizableOperators.IsKnown(node)
                || QuantizableOperators.MatchQdq(node, graph, tensor => floats.Value.Contains(tensor), opset) is not { } match)
            {
                continue;
            }

            var fused = match.IsQuantizable && !match.SharesInputParameters ? FindFoldableRelu(node, graph, nodes, step) : null;
            IReadOnlyList<string> outputs = fused is { } r ? [nodes[r].Output[0]] : match.Outputs;
            var reason = step.ExcludeNodes.Contains(node.Name, StringComparer.Ordinal) ? "excluded by the recipe"
                : step.FallbackNodes.Contains(node.Name, StringComparer.Ordinal) ? "fell back to float to pass the gates (accuracy_aware)"
                : match.Reason
                ?? (match.Activations.Concat(outputs).FirstOrDefault(step.KeepsFloat) is { } kept ? $"its tensor '{kept}' stays float (overrides)" : null);
            if (reason is not null)
            {
                skipped.Add(new SkippedNode(node.Name, node.OpType, reason));
                continue;
            }

            planned.Add(new PlannedNode(i, node.Name, node.OpType, match, outputs, fused));
        }

        return new QuantizationPlan(planned, skipped, step.Overrides.Where(o => o.Value.Value.Range is not null).Select(o => o.Key));
    }

    /// <summary>Rewrites a copy of <paramref name="model"/> according to <paramref name="plan"/>.</summary>
    public static ModelProto Apply(ModelProto model, QuantizationPlan plan, IReadOnlyDictionary<string, TensorRange> ranges, QuantizeStep step)
    {
        var quantized = model.Clone();
        new Rewriter(quantized.Graph, ranges, step).Run(plan);
        return quantized;
    }

    private static bool UsesPerChannel(QuantizeStep step) => step.PerChannel || step.Overrides.Values.Any(o => o.Value.PerChannel == true);

    // A ReLU can be folded when it is the only reader of the node's output and nobody else sees the pre-ReLU value,
    // which an override of that value would have the recipe see.
    private static int? FindFoldableRelu(NodeProto node, GraphIndex graph, IList<NodeProto> nodes, QuantizeStep step)
    {
        var output = node.Output[0];
        if (graph.GraphOutputs.Contains(output) || step.Overrides.ContainsKey(output) || graph.ConsumersOf(output) is not [{ OpType: "Relu", Domain: "" } relu])
        {
            return null;
        }

        return nodes.IndexOf(relu);
    }

    /// <summary>How one activation tensor is quantized: its parameters, element type, and the initializers holding them.</summary>
    private sealed record ActivationQuantization(QuantizationParameters Parameters, TensorProto.Types.DataType Type, string Scale, string ZeroPoint);

    /// <summary>One application of a plan to one graph.</summary>
    private sealed class Rewriter(GraphProto graph, IReadOnlyDictionary<string, TensorRange> ranges, QuantizeStep step)
    {
        private readonly GraphIndex _index = new(graph);
        private readonly List<NodeProto> _prologue = [];
        private readonly Dictionary<NodeProto, List<NodeProto>> _emitAfter = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<NodeProto> _removed = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, ActivationQuantization> _activations = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Dequantized, float[] Scales)> _weights = new(StringComparer.Ordinal);
        private readonly HashSet<string> _replacedInitializers = new(StringComparer.Ordinal);

        public void Run(QuantizationPlan plan)
        {
            var original = graph.Node.ToList();
            foreach (var planned in plan.Nodes)
            {
                var node = original[planned.NodeIndex];
                var match = planned.Match;
                foreach (var activation in match.Activations)
                {
                    QuantizeActivation(activation);
                }

                foreach (var input in match.ConstantInputs)
                {
                    QuantizeConstant(node, input, _activations[match.Activations[0]].Type);
                }

                if (match.Weighted is { } weighted)
                {
                    var weightScales = QuantizeWeight(node, weighted);
                    if (weighted.Bias is { } bias)
                    {
                        QuantizeBias(node, bias, weighted.Activation, weightScales);
                    }
                }

                QuantizeOutputs(node, planned, planned.FusedActivationIndex is { } r ? original[r] : null);
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
            if (!_activations.ContainsKey(tensor))
            {
                Wrap(tensor, OwnParameters(tensor));
            }
        }

        private void QuantizeOutputs(NodeProto node, PlannedNode planned, NodeProto? relu)
        {
            if (relu is not null)
            {
                // The quantized range of the ReLU's output starts at 0, so QuantizeLinear clamps exactly like the ReLU.
                var output = planned.Outputs[0];
                var quantization = OwnParameters(output);
                _removed.Add(relu);
                EmitAfter(node, QdqPair(output, node.Output[0], output, quantization));
                _activations[output] = quantization;
                return;
            }

            foreach (var output in planned.Outputs.Where(o => !_activations.ContainsKey(o)))
            {
                // A data-movement operator's output reuses its input's scale and zero point (ONNX Runtime then drops
                // the Q/DQ pairs around it), unless the recipe overrides that output.
                var shares = planned.Match.SharesInputParameters && !step.Overrides.ContainsKey(output);
                Wrap(output, shares ? _activations[planned.Match.Activations[0]] : OwnParameters(output));
            }
        }

        // Puts one Q/DQ pair on the tensor: every reader, and a graph output, sees the dequantized value under its old name.
        private void Wrap(string tensor, ActivationQuantization quantization)
        {
            _activations[tensor] = quantization;
            if (_index.Producers.TryGetValue(tensor, out var producer))
            {
                var source = _index.FreshName($"{tensor}_float");
                producer.Output[producer.Output.IndexOf(tensor)] = source;
                EmitAfter(producer, QdqPair(tensor, source, tensor, quantization));
                return;
            }

            // A graph input keeps its name; its readers switch to the dequantized copy.
            var dequantized = _index.FreshName($"{tensor}_dequantized");
            foreach (var consumer in _index.ConsumersOf(tensor))
            {
                Rewire(consumer, tensor, dequantized);
            }

            _prologue.AddRange(QdqPair(tensor, tensor, dequantized, quantization));
        }

        private ActivationQuantization OwnParameters(string tensor)
        {
            var entry = step.Overrides.TryGetValue(tensor, out var located) ? located.Value : null;
            var range = entry?.Range ?? (ranges.TryGetValue(tensor, out var calibrated) ? calibrated : TensorRange.Empty);
            if (!float.IsFinite(range.Min) || !float.IsFinite(range.Max))
            {
                throw new EdgeMLException(DiagnosticCodes.InternalError, $"no calibrated range for tensor '{tensor}'");
            }

            var type = ElementType(entry?.Type ?? step.Activations);
            var (qmin, qmax) = QuantizedTensors.Limits(type);
            var parameters = QuantizationMath.Asymmetric(range.Min, range.Max, qmin, qmax);
            var scale = AddInitializer(Tensors.FromFloats(_index.FreshName($"{tensor}_scale"), [], [parameters.Scale]));
            var zeroPoint = AddInitializer(QuantizedTensors.From(_index.FreshName($"{tensor}_zero_point"), type, [], [parameters.ZeroPoint]));
            return new ActivationQuantization(parameters, type, scale, zeroPoint);
        }

        // The pair's node and tensor names derive from the tensor it quantizes.
        private IEnumerable<NodeProto> QdqPair(string stem, string source, string destination, ActivationQuantization quantization)
        {
            var quantized = _index.FreshName($"{stem}_quantized");
            yield return Nodes.Create("QuantizeLinear", [source, quantization.Scale, quantization.ZeroPoint], [quantized], _index.FreshName($"{stem}_QuantizeLinear"));
            yield return Nodes.Create("DequantizeLinear", [quantized, quantization.Scale, quantization.ZeroPoint], [destination], _index.FreshName($"{stem}_DequantizeLinear"));
        }

        // A float constant beside an activation (a bias Add, a scale Mul, a Concat of a learned token) is quantized once,
        // per tensor, with its own range and the activation's element type, as the integer kernels require.
        private void QuantizeConstant(NodeProto node, int input, TensorProto.Types.DataType type)
        {
            var name = node.Input[input];
            if (!_constants.TryGetValue(name, out var dequantized))
            {
                var tensor = _index.Initializers[name];
                var values = Tensors.ToFloats(tensor);
                var (qmin, qmax) = QuantizedTensors.Limits(type);
                var parameters = QuantizationMath.Asymmetric(values.DefaultIfEmpty().Min(), values.DefaultIfEmpty().Max(), qmin, qmax);
                var q = values.Select(v => QuantizationMath.QuantizeAsymmetric(v, parameters, qmin, qmax)).ToArray();
                var qName = AddInitializer(QuantizedTensors.From(_index.FreshName($"{name}_quantized"), type, tensor.Dims, q));
                var scale = AddInitializer(Tensors.FromFloats(_index.FreshName($"{name}_scale"), [], [parameters.Scale]));
                var zeroPoint = AddInitializer(QuantizedTensors.From(_index.FreshName($"{name}_zero_point"), type, [], [parameters.ZeroPoint]));
                dequantized = _index.FreshName($"{name}_dequantized");
                _prologue.Add(Nodes.Create("DequantizeLinear", [qName, scale, zeroPoint], [dequantized], _index.FreshName($"{name}_DequantizeLinear")));
                _replacedInitializers.Add(name);
                _constants[name] = dequantized;
            }

            node.Input[input] = dequantized;
        }

        private float[] QuantizeWeight(NodeProto node, OperatorMatch match)
        {
            var perChannel = PerChannel(node, match.Weight);
            var key = $"{match.Weight}@{match.ChannelAxis}@{perChannel}";
            if (!_weights.TryGetValue(key, out var quantized))
            {
                var weight = _index.Initializers[match.Weight];
                var values = Tensors.ToFloats(weight);
                var dims = weight.Dims.ToArray();
                var channels = perChannel ? (int)dims[match.ChannelAxis] : 1;
                var stride = perChannel ? (int)Tensors.ElementCount(dims.Skip(match.ChannelAxis + 1)) : values.Length;
                var scales = ChannelScales(values, channels, stride);
                var q = new sbyte[values.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    q[i] = QuantizationMath.QuantizeSymmetric(values[i], scales[(i / stride) % channels]);
                }

                long[] parameterDims = perChannel ? [channels] : [];
                var qName = AddInitializer(Tensors.FromInt8(_index.FreshName($"{match.Weight}_quantized"), dims, q));
                var scaleName = AddInitializer(Tensors.FromFloats(_index.FreshName($"{match.Weight}_scale"), parameterDims, scales));
                var zeroName = AddInitializer(Tensors.FromInt8(_index.FreshName($"{match.Weight}_zero_point"), parameterDims, new sbyte[channels]));
                var dequantized = _index.FreshName($"{match.Weight}_dequantized");
                var dq = perChannel
                    ? Nodes.Create("DequantizeLinear", [qName, scaleName, zeroName], [dequantized], _index.FreshName($"{match.Weight}_DequantizeLinear"), Nodes.Int("axis", match.ChannelAxis))
                    : Nodes.Create("DequantizeLinear", [qName, scaleName, zeroName], [dequantized], _index.FreshName($"{match.Weight}_DequantizeLinear"));
                _prologue.Add(dq);
                _replacedInitializers.Add(match.Weight);
                _weights[key] = quantized = (dequantized, scales);
            }

            node.Input[1] = quantized.Dequantized;
            return quantized.Scales;
        }

        // The recipe's choice (a weight override, else the step's); a grouped ConvTranspose spreads its output channels
        // over two weight axes, which one scale per slice of an axis cannot follow, so it gets one scale.
        private bool PerChannel(NodeProto node, string weight)
        {
            var wanted = step.Overrides.TryGetValue(weight, out var entry) && entry.Value.PerChannel is { } chosen ? chosen : step.PerChannel;
            return wanted && !(node.OpType == "ConvTranspose" && node.GetInt("group", 1) != 1);
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
            var activationScale = _activations[activation].Parameters.Scale;
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

        private static TensorProto.Types.DataType ElementType(ActivationType type) =>
            type == ActivationType.UInt8 ? TensorProto.Types.DataType.Uint8 : TensorProto.Types.DataType.Int8;

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
