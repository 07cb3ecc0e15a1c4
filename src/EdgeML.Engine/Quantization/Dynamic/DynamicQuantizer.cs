using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization.Recurrent;
using EdgeML.Engine.Quantization.WeightOnly;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.Dynamic;

/// <summary>
/// Dynamic int8 quantization, the form ONNX Runtime's dynamic quantizer produces for transformer-style models:
/// a MatMul or plain Gemm with a constant weight becomes <c>com.microsoft.DynamicQuantizeMatMul</c> (int8 weight,
/// symmetric per column or per tensor, bias folded in), which quantizes its float input to uint8 at run time; a
/// MatMul of two activations (attention's Q·Kᵀ and weights·V) quantizes both sides with DynamicQuantizeLinear
/// and multiplies them in MatMulInteger; ONNX Runtime fuses A's quantization, MatMulInteger, Cast and the rescaling
/// Mul into DynamicQuantizeMatMul too. LSTM and GRU weights go through <see cref="RecurrentWeights"/> (LSTM as
/// DynamicQuantizeLSTM). Subgraphs (If branches, Loop and Scan bodies) are rewritten the same way, with weights of
/// their own or of an enclosing graph. No calibration.
/// </summary>
public static class DynamicQuantizer
{
    public static QuantizationResult Apply(ModelProto model, QuantizeStep step) => Rewrite(model, step, afterStatic: false);

    /// <summary>
    /// Static mode's second pass, over what its calibrated QDQ rewrite does not reach: LSTM and GRU nodes anywhere,
    /// and every node inside subgraphs, whose activations the calibrator cannot observe. The main graph's other
    /// nodes stay as the static quantizer left them.
    /// </summary>
    public static QuantizationResult ApplyAfterStatic(ModelProto model, QuantizeStep step) => Rewrite(model, step, afterStatic: true);

    private static QuantizationResult Rewrite(ModelProto model, QuantizeStep step, bool afterStatic)
    {
        var quantized = model.Clone();
        var replacements = new InitializerReplacements();
        var converted = new List<string>();
        var skipped = new List<SkippedNode>();
        NestedGraphs.Rewrite(quantized.Graph, index =>
            new Rewriter(index, step, replacements, quantized.DefaultOpset(), recurrentOnly: afterStatic && ReferenceEquals(index.Graph, quantized.Graph)).Run(converted, skipped));
        replacements.RemoveUnread();
        if (converted.Count > 0)
        {
            MicrosoftOperators.Import(quantized);
        }

        return new QuantizationResult(quantized, converted, skipped);
    }

    /// <summary>One graph's rewrite; <paramref name="recurrentOnly"/> leaves all but LSTM and GRU nodes alone.</summary>
    private sealed class Rewriter(GraphIndex index, QuantizeStep step, InitializerReplacements replacements, long opset, bool recurrentOnly)
    {
        private readonly Dictionary<string, (string Quantized, string Scale, string ZeroPoint)> _activations = new(StringComparer.Ordinal);
        private readonly RecurrentWeights _recurrent = new(index, step, replacements, opset);
        private readonly EmbeddingTableQuantizer _tables = new(index, step, widestBlocks: true);

        public void Run(List<string> converted, List<SkippedNode> skipped)
        {
            var rewritten = new List<NodeProto>();
            foreach (var node in index.Graph.Node)
            {
                var recurrent = RecurrentWeights.IsRecurrent(node);
                var lookup = _tables.IsTableLookup(node) && !recurrentOnly;
                if (!step.OpTypes.Contains(node.OpType, StringComparer.Ordinal) || !(recurrent || lookup || (WeightedOperators.IsKnown(node) && !recurrentOnly)))
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

            index.Graph.Node.Clear();
            index.Graph.Node.AddRange(rewritten);
            GraphReferences.RemoveUnreadInitializers(index.Graph, _tables.Replaced);
        }

        // Appends the node's replacement to rewritten, or returns why it stays float.
        private string? Rewrite(NodeProto node, List<NodeProto> rewritten)
        {
            if (step.ExcludeNodes.Contains(node.Name, StringComparer.Ordinal))
            {
                return "excluded by the recipe";
            }

            if (_tables.IsTableLookup(node))
            {
                var why = _tables.WhyNot(node);
                rewritten.AddRange(why is null ? [_tables.Rewrite(node)] : []);
                return why;
            }

            if (RecurrentWeights.IsRecurrent(node))
            {
                var (nodes, why) = _recurrent.Rewrite(node, integerKernel: true);
                rewritten.AddRange(nodes ?? []);
                return why;
            }

            if (node.OpType == "Conv")
            {
                return "dynamic quantization covers MatMul, Gemm, LSTM and GRU";
            }

            if (node.OpType == "MatMul" && node.Input.All(i => !index.Initializers.ContainsKey(i)))
            {
                rewritten.AddRange(ActivationMatMul(node));
                return null;
            }

            var match = QuantizableOperators.Match(node, index);
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
            var product = index.FreshName($"{output}_int32");
            var productFloat = index.FreshName($"{output}_int32_float");
            var scale = index.FreshName($"{output}_scale");
            nodes.Add(Nodes.Create("MatMulInteger", [a.Quantized, b.Quantized, a.ZeroPoint, b.ZeroPoint], [product], node.Name));
            nodes.Add(Nodes.Create("Cast", [product], [productFloat], index.FreshName($"{node.Name}_cast"), Nodes.Int("to", (long)TensorProto.Types.DataType.Float)));
            nodes.Add(Nodes.Create("Mul", [a.Scale, b.Scale], [scale], index.FreshName($"{node.Name}_scale")));
            nodes.Add(Nodes.Create("Mul", [productFloat, scale], [output], index.FreshName($"{node.Name}_rescale")));
            return nodes;
        }

        // One DynamicQuantizeLinear per tensor, emitted before its first quantized reader and shared by later ones.
        private (string Quantized, string Scale, string ZeroPoint) QuantizeActivation(string tensor, List<NodeProto> nodes)
        {
            if (_activations.TryGetValue(tensor, out var quantized))
            {
                return quantized;
            }

            quantized = (index.FreshName($"{tensor}_quantized"), index.FreshName($"{tensor}_scale"), index.FreshName($"{tensor}_zero_point"));
            nodes.Add(Nodes.Create("DynamicQuantizeLinear", [tensor], [quantized.Quantized, quantized.Scale, quantized.ZeroPoint], index.FreshName($"{tensor}_DynamicQuantizeLinear")));
            return _activations[tensor] = quantized;
        }

        // B as [K, N] int8, its scales and zero points (per column, or one per tensor), shared by every node of every graph that reads it.
        private string[] QuantizeWeight(OperatorMatch match) =>
            replacements.GetOrCreate(index, match.Weight, $"DynamicQuantizeMatMul/{match.ChannelAxis}/{step.PerChannel}", owner =>
            {
                var weight = index.Initializers[match.Weight];
                var values = Tensors.ToFloats(weight);
                // Channel axis 1: the weight is [K, N] already; axis 0 (Gemm with transB=1): it is [N, K].
                var (k, n) = match.ChannelAxis == 1 ? ((int)weight.Dims[0], (int)weight.Dims[1]) : ((int)weight.Dims[1], (int)weight.Dims[0]);
                var columns = match.ChannelAxis == 1 ? Tensors.Transpose(values, k, n) : values;
                var (codes, scales) = QuantizationMath.QuantizeRows(columns, step.PerChannel ? n : 1);
                long[] parameterDims = step.PerChannel ? [n] : [];
                TensorProto[] tensors =
                [
                    Tensors.FromInt8(index.FreshName($"{match.Weight}_quantized"), [k, n], Tensors.Transpose(codes, n, k)),
                    Tensors.FromFloats(index.FreshName($"{match.Weight}_scale"), parameterDims, scales),
                    Tensors.FromInt8(index.FreshName($"{match.Weight}_zero_point"), parameterDims, new sbyte[scales.Length]),
                ];
                owner.Initializer.AddRange(tensors);
                return tensors.Select(t => t.Name).ToArray();
            });
    }
}
