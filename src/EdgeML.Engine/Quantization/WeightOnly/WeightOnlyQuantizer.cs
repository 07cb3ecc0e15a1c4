using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization.Recurrent;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.WeightOnly;

/// <summary>
/// Weight-only quantization: each MatMul (and plain Gemm) with a constant float weight becomes ONNX Runtime's
/// <c>com.microsoft.MatMulNBits</c>, which keeps the weight as int4 or int8 blocks along K and dequantizes it
/// inside the kernel; activations stay float, so no calibration is needed. A Gemm's bias becomes an Add after it.
/// Gather lookups into constant embedding tables become <c>GatherBlockQuantized</c> (<see cref="EmbeddingTableQuantizer"/>).
/// LSTM and GRU keep float computation with int8 W and R behind DequantizeLinear (<see cref="RecurrentWeights"/>;
/// MatMulNBits has no recurrent form). Subgraphs (If branches, Loop and Scan bodies) are rewritten the same way.
/// </summary>
public static class WeightOnlyQuantizer
{
    // Level 4 lets MLAS quantize A to int8 per block and multiply in integers: several times faster on CPU, and
    // well within the fidelity the tests demand; ONNX Runtime falls back to float where the CPU lacks the kernel.
    private const int AccuracyLevel = 4;

    /// <param name="model">The float model.</param>
    /// <param name="step">The quantize step.</param>
    /// <param name="covariances">
    /// For <c>algorithm: gptq</c>: XᵀX of the layer inputs (by tensor name, see <see cref="CovariancesNeeded"/>); a layer
    /// whose input has none is rounded to nearest.
    /// </param>
    public static QuantizationResult Apply(ModelProto model, QuantizeStep step, IReadOnlyDictionary<string, InputCovariance>? covariances = null)
    {
        var quantized = model.Clone();
        var replacements = new InitializerReplacements();
        var converted = new List<string>();
        var skipped = new List<SkippedNode>();
        covariances ??= new Dictionary<string, InputCovariance>();
        NestedGraphs.Rewrite(quantized.Graph, index => new Rewriter(index, step, replacements, quantized.DefaultOpset(), covariances).Run(converted, skipped));
        replacements.RemoveUnread();
        if (converted.Count > 0)
        {
            MicrosoftOperators.Import(quantized);
        }

        return new QuantizationResult(quantized, converted, skipped);
    }

    /// <summary>
    /// The main graph's MatMul/Gemm inputs GPTQ needs XᵀX of, with their feature counts K: those of every node the step
    /// quantizes into MatMulNBits. Subgraph layers, whose inputs calibration cannot observe, are rounded to nearest.
    /// </summary>
    public static IReadOnlyDictionary<string, int> CovariancesNeeded(ModelProto model, QuantizeStep step)
    {
        var index = new GraphIndex(model.Graph);
        var needed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node.Where(n => n.OpType is "MatMul" or "Gemm" && step.OpTypes.Contains(n.OpType, StringComparer.Ordinal)
            && !step.ExcludeNodes.Contains(n.Name, StringComparer.Ordinal) && WeightedOperators.IsKnown(n)))
        {
            var match = QuantizableOperators.Match(node, index);
            if (match.IsQuantizable)
            {
                needed[match.Activation] = (int)index.Initializers[match.Weight].Dims[match.ChannelAxis == 1 ? 0 : 1];
            }
        }

        return needed;
    }

    /// <summary>One graph's rewrite.</summary>
    private sealed class Rewriter(GraphIndex index, QuantizeStep step, InitializerReplacements replacements, long opset, IReadOnlyDictionary<string, InputCovariance> covariances)
    {
        private readonly EmbeddingTableQuantizer _tables = new(index, step);
        private readonly RecurrentWeights _recurrent = new(index, step, replacements, opset);

        private int Bits => BlockQuantizer.BitsOf(step.Weights);

        public void Run(List<string> converted, List<SkippedNode> skipped)
        {
            var rewritten = new List<NodeProto>();
            foreach (var node in index.Graph.Node)
            {
                var (reason, rewrite) = Plan(node);
                if (rewrite is null)
                {
                    if (reason is not null)
                    {
                        skipped.Add(new SkippedNode(node.Name, node.OpType, reason));
                    }

                    rewritten.Add(node);
                    continue;
                }

                rewritten.AddRange(rewrite());
                converted.Add(node.Name);
            }

            index.Graph.Node.Clear();
            index.Graph.Node.AddRange(rewritten);
            foreach (var table in _tables.Replaced)
            {
                replacements.Replaced(index, table);
            }
        }

        // Nodes of other types, and Gathers that are no table lookups, pass silently; the rest are rewritten or skipped with a reason.
        private (string? Reason, Func<IEnumerable<NodeProto>>? Rewrite) Plan(NodeProto node)
        {
            if (!step.OpTypes.Contains(node.OpType, StringComparer.Ordinal))
            {
                return (null, null);
            }

            var excluded = step.ExcludeNodes.Contains(node.Name, StringComparer.Ordinal) ? "excluded by the recipe" : null;
            if (node.OpType == "Gather")
            {
                return !_tables.IsTableLookup(node) ? (null, null)
                    : (excluded ?? _tables.WhyNot(node)) is { } why ? (why, null)
                    : (null, () => [_tables.Rewrite(node)]);
            }

            if (RecurrentWeights.IsRecurrent(node))
            {
                return excluded is not null ? (excluded, null) : PlanRecurrent(node);
            }

            if (!WeightedOperators.IsKnown(node))
            {
                return (null, null);
            }

            var reason = excluded ?? (node.OpType == "Conv" ? "weight-only quantization covers MatMul, Gemm, Gather, LSTM and GRU" : null);
            var match = reason is null ? QuantizableOperators.Match(node, index) : null;
            return (reason ?? match!.Reason) is { } skip ? (skip, null) : (null, () => Rewrite(node, match!));
        }

        // Rewritten while planning: its checks come first, so a node that stays float is left unchanged.
        private (string? Reason, Func<IEnumerable<NodeProto>>? Rewrite) PlanRecurrent(NodeProto node)
        {
            var (nodes, reason) = _recurrent.Rewrite(node, integerKernel: false);
            return nodes is null ? (reason, null) : (null, () => nodes);
        }

        private IEnumerable<NodeProto> Rewrite(NodeProto node, OperatorMatch match)
        {
            var weight = index.Initializers[match.Weight];
            // Channel axis 1: the weight is [K, N]; axis 0 (Gemm with transB=1): it is already [N, K].
            var (k, n) = match.ChannelAxis == 1 ? ((int)weight.Dims[0], (int)weight.Dims[1]) : ((int)weight.Dims[1], (int)weight.Dims[0]);
            var inputs = new List<string> { match.Activation };
            inputs.AddRange(Pack(match, weight, k, n));
            var output = node.Output[0];
            var product = match.Bias is null ? output : index.FreshName($"{output}_without_bias");
            yield return new NodeProto
            {
                OpType = "MatMulNBits",
                Domain = MicrosoftOperators.Domain,
                Name = node.Name,
                Input = { inputs },
                Output = { product },
                Attribute =
                {
                    Nodes.Int("K", k),
                    Nodes.Int("N", n),
                    Nodes.Int("bits", Bits),
                    Nodes.Int("block_size", step.BlockSize),
                    Nodes.Int("accuracy_level", AccuracyLevel),
                },
            };

            if (match.Bias is { } bias)
            {
                yield return Nodes.Create("Add", [product, bias], [output], index.FreshName($"{node.Name}_bias"));
            }
        }

        // B, scales and (asymmetric) zero points of one weight, shared by every node of every graph that reads it.
        private string[] Pack(OperatorMatch match, TensorProto weight, int k, int n) =>
            replacements.GetOrCreate(index, match.Weight, $"MatMulNBits/{match.ChannelAxis}", owner =>
            {
                var values = Tensors.ToFloats(weight);
                var columns = match.ChannelAxis == 1 ? Tensors.Transpose(values, k, n) : values;
                var blocks = covariances.TryGetValue(match.Activation, out var covariance) && covariance.Features == k
                    ? GptqQuantizer.Quantize(columns, k, n, Bits, step.BlockSize, step.Symmetric, covariance)
                    : BlockQuantizer.Quantize(columns, k, n, Bits, step.BlockSize, step.Symmetric);
                var blobSize = step.BlockSize * Bits / 8;
                var tensors = new List<TensorProto>
                {
                    Tensors.FromUInt8(index.FreshName($"{match.Weight}_nbits"), [n, blocks.BlockCount, blobSize], NBitsPacker.Pack(blocks.Codes, n, Bits)),
                    Tensors.FromFloats(index.FreshName($"{match.Weight}_scales"), [n * blocks.BlockCount], blocks.Scales),
                };
                if (!step.Symmetric)
                {
                    var zeroPoints = NBitsPacker.Pack(blocks.ZeroPoints, n, Bits);
                    tensors.Add(Tensors.FromUInt8(index.FreshName($"{match.Weight}_zero_points"), [zeroPoints.Length], zeroPoints));
                }

                owner.Initializer.AddRange(tensors);
                return tensors.Select(t => t.Name).ToArray();
            });
    }
}
