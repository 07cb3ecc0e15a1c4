using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.Dynamic;

/// <summary>
/// Dynamic int8 quantization, the form ONNX Runtime's dynamic quantizer produces for transformer-style models:
/// a MatMul or plain Gemm with a constant weight becomes <c>com.microsoft.DynamicQuantizeMatMul</c> (int8 weight,
/// symmetric per column or per tensor, bias folded in), which quantizes its float input to uint8 at run time; a
/// MatMul of two activations (attention's Q·Kᵀ and weights·V) quantizes both sides with DynamicQuantizeLinear
/// and multiplies them in MatMulInteger; ONNX Runtime fuses A's quantization, MatMulInteger, Cast and the rescaling
/// Mul into DynamicQuantizeMatMul too. No calibration.
/// </summary>
public static class DynamicQuantizer
{
    public static QuantizationResult Apply(ModelProto model, QuantizeStep step)
    {
        var quantized = model.Clone();
        var (converted, skipped) = new Rewriter(quantized.Graph, step).Run();
        if (converted.Count > 0)
        {
            MicrosoftOperators.Import(quantized);
        }

        return new QuantizationResult(quantized, converted, skipped);
    }

    private sealed class Rewriter(GraphProto graph, QuantizeStep step)
    {
        private readonly GraphIndex _index = new(graph);
        private readonly Dictionary<string, string[]> _weights = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Quantized, string Scale, string ZeroPoint)> _activations = new(StringComparer.Ordinal);
        private readonly HashSet<string> _replaced = new(StringComparer.Ordinal);

        public (List<string> Converted, List<SkippedNode> Skipped) Run()
        {
            var converted = new List<string>();
            var skipped = new List<SkippedNode>();
            var rewritten = new List<NodeProto>();
            foreach (var node in graph.Node)
            {
                if (!step.OpTypes.Contains(node.OpType, StringComparer.Ordinal) || !WeightedOperators.IsKnown(node))
                {
                    rewritten.Add(node);
                    continue;
                }

                if (Rewrite(node, rewritten) is { } reason)
                {
                    skipped.Add(new SkippedNode(node.Name, node.OpType, reason));
                    rewritten.Add(node);
                    continue;
                }

                converted.Add(node.Name);
            }

            graph.Node.Clear();
            graph.Node.AddRange(rewritten);
            GraphReferences.RemoveUnreadInitializers(graph, _replaced);
            return (converted, skipped);
        }

        // Appends the node's replacement to rewritten, or returns why it stays float.
        private string? Rewrite(NodeProto node, List<NodeProto> rewritten)
        {
            if (step.ExcludeNodes.Contains(node.Name, StringComparer.Ordinal))
            {
                return "excluded by the recipe";
            }

            if (node.OpType == "Conv")
            {
                return "dynamic quantization covers MatMul and Gemm";
            }

            if (node.OpType == "MatMul" && node.Input.All(i => !_index.Initializers.ContainsKey(i)))
            {
                rewritten.AddRange(ActivationMatMul(node));
                return null;
            }

            var match = QuantizableOperators.Match(node, _index);
            if (!match.IsQuantizable)
            {
                return match.Reason;
            }

            var inputs = new List<string> { match.Activation };
            inputs.AddRange(QuantizeWeight(match));
            if (match.Bias is { } bias)
            {
                inputs.Add(bias);
            }

            rewritten.Add(new NodeProto
            {
                OpType = "DynamicQuantizeMatMul",
                Domain = MicrosoftOperators.Domain,
                Name = node.Name,
                Input = { inputs },
                Output = { node.Output[0] },
            });
            return null;
        }

        // Both sides quantized at run time (uint8, as DynamicQuantizeLinear emits), rescaled by the product of their scales.
        private IEnumerable<NodeProto> ActivationMatMul(NodeProto node)
        {
            var nodes = new List<NodeProto>();
            var a = QuantizeActivation(node.Input[0], nodes);
            var b = QuantizeActivation(node.Input[1], nodes);
            var output = node.Output[0];
            var product = _index.FreshName($"{output}_int32");
            var productFloat = _index.FreshName($"{output}_int32_float");
            var scale = _index.FreshName($"{output}_scale");
            nodes.Add(Nodes.Create("MatMulInteger", [a.Quantized, b.Quantized, a.ZeroPoint, b.ZeroPoint], [product], node.Name));
            nodes.Add(Nodes.Create("Cast", [product], [productFloat], _index.FreshName($"{node.Name}_cast"), Nodes.Int("to", (long)TensorProto.Types.DataType.Float)));
            nodes.Add(Nodes.Create("Mul", [a.Scale, b.Scale], [scale], _index.FreshName($"{node.Name}_scale")));
            nodes.Add(Nodes.Create("Mul", [productFloat, scale], [output], _index.FreshName($"{node.Name}_rescale")));
            return nodes;
        }

        // One DynamicQuantizeLinear per tensor, emitted before its first quantized reader and shared by later ones.
        private (string Quantized, string Scale, string ZeroPoint) QuantizeActivation(string tensor, List<NodeProto> nodes)
        {
            if (_activations.TryGetValue(tensor, out var quantized))
            {
                return quantized;
            }

            quantized = (_index.FreshName($"{tensor}_quantized"), _index.FreshName($"{tensor}_scale"), _index.FreshName($"{tensor}_zero_point"));
            nodes.Add(Nodes.Create("DynamicQuantizeLinear", [tensor], [quantized.Quantized, quantized.Scale, quantized.ZeroPoint], _index.FreshName($"{tensor}_DynamicQuantizeLinear")));
            return _activations[tensor] = quantized;
        }

        // B as [K, N] int8, its scales and zero points (per column, or one per tensor), shared by every node that reads it.
        private string[] QuantizeWeight(OperatorMatch match)
        {
            var key = $"{match.Weight}@{match.ChannelAxis}";
            if (_weights.TryGetValue(key, out var names))
            {
                return names;
            }

            var weight = _index.Initializers[match.Weight];
            var values = Tensors.ToFloats(weight);
            // Channel axis 1: the weight is [K, N] already; axis 0 (Gemm with transB=1): it is [N, K].
            var (k, n) = match.ChannelAxis == 1 ? ((int)weight.Dims[0], (int)weight.Dims[1]) : ((int)weight.Dims[1], (int)weight.Dims[0]);
            var columns = match.ChannelAxis == 1 ? Tensors.Transpose(values, k, n) : values;
            var scales = step.PerChannel
                ? Enumerable.Range(0, n).Select(c => QuantizationMath.SymmetricScale(columns.AsSpan(c * k, k))).ToArray()
                : [QuantizationMath.SymmetricScale(columns)];
            var q = new sbyte[values.Length];
            for (var row = 0; row < k; row++)
            {
                for (var column = 0; column < n; column++)
                {
                    q[(row * n) + column] = QuantizationMath.QuantizeSymmetric(columns[(column * k) + row], scales[step.PerChannel ? column : 0]);
                }
            }

            long[] parameterDims = step.PerChannel ? [n] : [];
            var quantized = Tensors.FromInt8(_index.FreshName($"{match.Weight}_quantized"), [k, n], q);
            var scale = Tensors.FromFloats(_index.FreshName($"{match.Weight}_scale"), parameterDims, scales);
            var zeroPoint = Tensors.FromInt8(_index.FreshName($"{match.Weight}_zero_point"), parameterDims, new sbyte[scales.Length]);
            graph.Initializer.Add(quantized);
            graph.Initializer.Add(scale);
            graph.Initializer.Add(zeroPoint);
            _replaced.Add(match.Weight);
            return _weights[key] = [quantized.Name, scale.Name, zeroPoint.Name];
        }
    }
}
