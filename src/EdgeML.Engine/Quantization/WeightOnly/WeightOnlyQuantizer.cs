using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.WeightOnly;

/// <summary>
/// Weight-only quantization: each MatMul (and plain Gemm) with a constant float weight becomes ONNX Runtime's
/// <c>com.microsoft.MatMulNBits</c>, which keeps the weight as int4 or int8 blocks along K and dequantizes it
/// inside the kernel; activations stay float, so no calibration is needed. A Gemm's bias becomes an Add after it.
/// </summary>
public static class WeightOnlyQuantizer
{
    public const string MicrosoftDomain = MicrosoftOperators.Domain;

    // Level 4 lets MLAS quantize A to int8 per block and multiply in integers: several times faster on CPU, and
    // well within the fidelity the tests demand; ONNX Runtime falls back to float where the CPU lacks the kernel.
    private const int AccuracyLevel = 4;

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
        private readonly Dictionary<string, string[]> _packed = new(StringComparer.Ordinal);
        private readonly HashSet<string> _replaced = new(StringComparer.Ordinal);
        private int Bits => step.Weights == WeightType.Int4 ? 4 : 8;

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

                var reason = step.ExcludeNodes.Contains(node.Name, StringComparer.Ordinal) ? "excluded by the recipe"
                    : node.OpType == "Conv" ? "weight-only quantization covers MatMul and Gemm"
                    : null;
                var match = reason is null ? QuantizableOperators.Match(node, _index) : null;
                if ((reason ?? match!.Reason) is { } why)
                {
                    skipped.Add(new SkippedNode(node.Name, node.OpType, why));
                    rewritten.Add(node);
                    continue;
                }

                rewritten.AddRange(Rewrite(node, match!));
                converted.Add(node.Name);
            }

            graph.Node.Clear();
            graph.Node.AddRange(rewritten);
            GraphReferences.RemoveUnreadInitializers(graph, _replaced);
            return (converted, skipped);
        }

        private IEnumerable<NodeProto> Rewrite(NodeProto node, OperatorMatch match)
        {
            var weight = _index.Initializers[match.Weight];
            // Channel axis 1: the weight is [K, N]; axis 0 (Gemm with transB=1): it is already [N, K].
            var (k, n) = match.ChannelAxis == 1 ? ((int)weight.Dims[0], (int)weight.Dims[1]) : ((int)weight.Dims[1], (int)weight.Dims[0]);
            var inputs = new List<string> { match.Activation };
            inputs.AddRange(Pack(match, weight, k, n));
            var output = node.Output[0];
            var product = match.Bias is null ? output : _index.FreshName($"{output}_without_bias");
            yield return new NodeProto
            {
                OpType = "MatMulNBits",
                Domain = MicrosoftDomain,
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
                yield return Nodes.Create("Add", [product, bias], [output], _index.FreshName($"{node.Name}_bias"));
            }
        }

        // B, scales and (asymmetric) zero points of one weight, shared by every node that reads it.
        private string[] Pack(OperatorMatch match, TensorProto weight, int k, int n)
        {
            var key = $"{match.Weight}@{match.ChannelAxis}";
            if (_packed.TryGetValue(key, out var names))
            {
                return names;
            }

            var values = Tensors.ToFloats(weight);
            var columns = match.ChannelAxis == 1 ? Tensors.Transpose(values, k, n) : values;
            var blocks = BlockQuantizer.Quantize(columns, k, n, Bits, step.BlockSize, step.Symmetric);
            var blobSize = step.BlockSize * Bits / 8;
            var packedWeight = Tensors.FromUInt8(_index.FreshName($"{match.Weight}_nbits"), [n, blocks.BlockCount, blobSize], NBitsPacker.Pack(blocks.Codes, n, Bits));
            var scales = Tensors.FromFloats(_index.FreshName($"{match.Weight}_scales"), [n * blocks.BlockCount], blocks.Scales);
            graph.Initializer.Add(packedWeight);
            graph.Initializer.Add(scales);
            names = [packedWeight.Name, scales.Name];
            if (!step.Symmetric)
            {
                var zeroPoints = NBitsPacker.Pack(blocks.ZeroPoints, n, Bits);
                var zeroPointTensor = Tensors.FromUInt8(_index.FreshName($"{match.Weight}_zero_points"), [zeroPoints.Length], zeroPoints);
                graph.Initializer.Add(zeroPointTensor);
                names = [.. names, zeroPointTensor.Name];
            }

            _replaced.Add(match.Weight);
            return _packed[key] = names;
        }
    }
}
