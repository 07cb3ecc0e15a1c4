using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.WeightOnly;

/// <summary>
/// Weight-only quantization of embedding lookups: a <c>Gather</c> along axis 0 of a constant float
/// [vocab, dim] table becomes ONNX Runtime's <c>com.microsoft.GatherBlockQuantized</c> over int8/int4 blocks of
/// each row (the same codes, scales and byte layout as MatMulNBits).
/// </summary>
/// <remarks>
/// Chosen over the standard DequantizeLinear → Gather form, which ONNX Runtime 1.31 also runs (opset 13 per
/// axis, opset 21 blocked) but does not constant-fold, so every run dequantizes the whole table; the contrib
/// kernel gathers the quantized rows first and dequantizes only those.
/// </remarks>
/// <param name="index">The graph.</param>
/// <param name="step">The quantize step: bits, symmetry and (weight-only mode) block size.</param>
/// <param name="widestBlocks">
/// Dynamic mode, which has no <c>block_size</c>: each table takes the widest block size that divides its rows. Its codes
/// are 8-bit, where a block of 128 is as faithful as one of 32 and needs a quarter of the scales.
/// </param>
internal sealed class EmbeddingTableQuantizer(GraphIndex index, QuantizeStep step, bool widestBlocks = false)
{
    private readonly Dictionary<string, string[]> _packed = new(StringComparer.Ordinal);

    private int Bits => BlockQuantizer.BitsOf(step.Weights);

    /// <summary>The tables whose quantized form now replaces them (dropped once nothing reads them).</summary>
    public IEnumerable<string> Replaced => _packed.Keys;

    /// <summary>Whether <paramref name="node"/> gathers from a constant float tensor: only those are embedding lookups.</summary>
    public bool IsTableLookup(NodeProto node) =>
        node.OpType == "Gather" && node.Input.Count == 2
        && index.Initializers.TryGetValue(node.Input[0], out var table) && table.DataType == (int)TensorProto.Types.DataType.Float;

    /// <summary>Why a table lookup keeps its float table, or null when it can be quantized.</summary>
    public string? WhyNot(NodeProto node)
    {
        var table = index.Initializers[node.Input[0]];
        var axis = node.GetInt("axis", 0);
        return table.Dims.Count != 2 ? $"the gathered table has rank {table.Dims.Count}; only [vocab, dim] embedding tables are quantized"
            : axis is not (0 or -2) ? "it gathers along the table's columns, not its rows"
            : BlockSizeFor(table) is not { } blockSize || table.Dims[1] % blockSize != 0
                ? $"the table's row length {table.Dims[1]} is not a multiple of {(widestBlocks ? $"any block size ({string.Join(", ", QuantizeStep.BlockSizes)})" : $"block_size {step.BlockSize}")}"
            : null;
    }

    public NodeProto Rewrite(NodeProto node)
    {
        // GatherBlockQuantized reads (codes, indices, scales[, zero points]).
        var packed = Pack(node.Input[0]);
        return new NodeProto
        {
            OpType = "GatherBlockQuantized",
            Domain = MicrosoftOperators.Domain,
            Name = node.Name,
            Input = { packed[0], node.Input[1], packed[1..] },
            Output = { node.Output[0] },
            Attribute =
            {
                Nodes.Int("gather_axis", 0),
                Nodes.Int("quantize_axis", 1),
                Nodes.Int("block_size", BlockSizeFor(index.Initializers[node.Input[0]])!.Value),
                Nodes.Int("bits", Bits),
            },
        };
    }

    private int? BlockSizeFor(TensorProto table) => widestBlocks
        ? QuantizeStep.BlockSizes.Where(size => table.Dims[^1] % size == 0).Cast<int?>().Max()
        : step.BlockSize;

    // Packed codes, scales and (asymmetric) zero points of one table, shared by every lookup into it.
    private string[] Pack(string tableName)
    {
        if (_packed.TryGetValue(tableName, out var names))
        {
            return names;
        }

        var table = index.Initializers[tableName];
        var (vocab, dim) = ((int)table.Dims[0], (int)table.Dims[1]);
        var blocks = BlockQuantizer.Quantize(Tensors.ToFloats(table), dim, vocab, Bits, BlockSizeFor(table)!.Value, step.Symmetric);
        var packed = NBitsPacker.Pack(blocks.Codes, vocab, Bits);
        var codes = Tensors.FromUInt8(index.FreshName($"{tableName}_q{Bits}"), [vocab, packed.Length / vocab], packed);
        var scales = Tensors.FromFloats(index.FreshName($"{tableName}_scales"), [vocab, blocks.BlockCount], blocks.Scales);
        index.Graph.Initializer.Add(codes);
        index.Graph.Initializer.Add(scales);
        names = [codes.Name, scales.Name];
        if (!step.Symmetric)
        {
            var zeroPoints = NBitsPacker.Pack(blocks.ZeroPoints, vocab, Bits);
            var zeroPointTensor = Tensors.FromUInt8(index.FreshName($"{tableName}_zero_points"), [vocab, zeroPoints.Length / vocab], zeroPoints);
            index.Graph.Initializer.Add(zeroPointTensor);
            names = [.. names, zeroPointTensor.Name];
        }

        return _packed[tableName] = names;
    }
}
