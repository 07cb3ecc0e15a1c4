using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.Recurrent;

/// <summary>
/// Int8 weights for ONNX <c>LSTM</c> and <c>GRU</c> nodes, whose W [D, G·H, I] and R [D, G·H, H] stack G gate blocks
/// of H rows for each of D directions. Two forms:
/// <list type="bullet">
/// <item>LSTM becomes ONNX Runtime's <c>com.microsoft.DynamicQuantizeLSTM</c>: W and R int8, transposed to
/// [D, I, 4·H] and [D, H, 4·H], symmetric with a scale per direction and gate row (or per direction); the kernel
/// quantizes the input and hidden state at run time and multiplies in integers.</item>
/// <item>Where ONNX Runtime has no integer kernel (GRU; an LSTM with <c>layout=1</c>, which DynamicQuantizeLSTM does
/// not take; weight-only mode), W and R are stored as int8 [D·G·H, I] with a scale per row, behind
/// <c>DequantizeLinear</c> and a <c>Reshape</c> back to their shape: the file shrinks, computation stays float.</item>
/// </list>
/// One instance serves one graph; the int8 tensors are shared model-wide through <see cref="InitializerReplacements"/>.
/// </summary>
internal sealed class RecurrentWeights(GraphIndex index, QuantizeStep step, InitializerReplacements replacements, long opset)
{
    /// <summary>Operator types this class quantizes.</summary>
    public static readonly IReadOnlyList<string> OpTypes = ["LSTM", "GRU"];

    // Per-axis DequantizeLinear arrived in opset 13; a single scale works from opset 10.
    private const long PerChannelOpset = 13;
    private const long PerTensorOpset = 10;

    // The dequantized copies emitted in this graph, by weight: several nodes of one graph read one copy.
    private readonly Dictionary<ScopedName, string> _dequantized = [];

    public static bool IsRecurrent(NodeProto node) => string.IsNullOrEmpty(node.Domain) && OpTypes.Contains(node.OpType);

    /// <summary>
    /// The nodes that replace <paramref name="node"/> (in graph order), or why it stays float. With
    /// <paramref name="integerKernel"/>, an LSTM that DynamicQuantizeLSTM can run becomes one; otherwise the weights
    /// go behind DequantizeLinear.
    /// </summary>
    public (IReadOnlyList<NodeProto>? Nodes, string? Reason) Rewrite(NodeProto node, bool integerKernel)
    {
        if (WhyNotConstant(node) is { } reason)
        {
            return (null, reason);
        }

        if (integerKernel && node.OpType == "LSTM" && node.GetInt("layout", 0) == 0)
        {
            return ([DynamicLstm(node)], null);
        }

        var needed = step.PerChannel ? PerChannelOpset : PerTensorOpset;
        if (opset < needed)
        {
            return (null, $"its int8 weights need DequantizeLinear{(step.PerChannel ? " per channel" : string.Empty)}, from opset {needed}; the model uses opset {opset}");
        }

        var nodes = new List<NodeProto>();
        node.Input[1] = Dequantized(node.Input[1], nodes);
        node.Input[2] = Dequantized(node.Input[2], nodes);
        nodes.Add(node);
        return (nodes, null);
    }

    private string? WhyNotConstant(NodeProto node)
    {
        foreach (var (position, role) in new[] { (1, "W"), (2, "R") })
        {
            if (node.Input.Count <= position || !index.Initializers.TryGetValue(node.Input[position], out var weight))
            {
                return $"its {role} is not a constant initializer";
            }

            if (weight.DataType != (int)TensorProto.Types.DataType.Float || weight.Dims.Count != 3)
            {
                return $"its {role} is not a float tensor of rank 3";
            }
        }

        return null;
    }

    private NodeProto DynamicLstm(NodeProto node)
    {
        var (w, wScale, wZeroPoint) = TransposedInt8(node.Input[1]);
        var (r, rScale, rZeroPoint) = TransposedInt8(node.Input[2]);
        // X, W, R, then the optional B, sequence_lens, initial_h, initial_c and P as the LSTM has them, then the weights' parameters.
        var optional = Enumerable.Range(3, 5).Select(i => i < node.Input.Count ? node.Input[i] : string.Empty);
        var lstm = new NodeProto
        {
            OpType = "DynamicQuantizeLSTM",
            Domain = MicrosoftOperators.Domain,
            Name = node.Name,
            Input = { node.Input[0], w, r },
            Output = { node.Output },
            Attribute = { node.Attribute.Where(a => a.Name != "layout") },
        };
        lstm.Input.AddRange(optional);
        lstm.Input.AddRange([wScale, wZeroPoint, rScale, rZeroPoint]);
        return lstm;
    }

    // [D, 4H, K] → int8 [D, K, 4H], scales and zero points [D, 4H] (per channel) or [D] (one per direction).
    private (string Weight, string Scale, string ZeroPoint) TransposedInt8(string name)
    {
        var names = replacements.GetOrCreate(index, name, $"DynamicQuantizeLSTM/{step.PerChannel}", owner =>
        {
            var tensor = index.Initializers[name];
            var (directions, rows, length) = ((int)tensor.Dims[0], (int)tensor.Dims[1], (int)tensor.Dims[2]);
            var (codes, scales) = QuantizationMath.QuantizeRows(Tensors.ToFloats(tensor), step.PerChannel ? directions * rows : directions);
            var transposed = new sbyte[codes.Length];
            for (var d = 0; d < directions; d++)
            {
                var block = d * rows * length;
                Tensors.Transpose(codes[block..(block + (rows * length))], rows, length).CopyTo(transposed, block);
            }

            long[] parameterDims = step.PerChannel ? [directions, rows] : [directions];
            return Add(owner,
                Tensors.FromInt8(index.FreshName($"{name}_quantized"), [directions, length, rows], transposed),
                Tensors.FromFloats(index.FreshName($"{name}_scale"), parameterDims, scales),
                Tensors.FromInt8(index.FreshName($"{name}_zero_point"), parameterDims, new sbyte[scales.Length]));
        });
        return (names[0], names[1], names[2]);
    }

    // The float weight rebuilt from int8 rows: DequantizeLinear (per row) and Reshape to its shape, emitted once per graph.
    private string Dequantized(string name, List<NodeProto> nodes)
    {
        var key = new ScopedName(index.OwnerOf(name), name);
        if (_dequantized.TryGetValue(key, out var dequantized))
        {
            return dequantized;
        }

        var dims = index.Initializers[name].Dims.ToArray();
        var parameters = replacements.GetOrCreate(index, name, $"DequantizeLinear/{step.PerChannel}", owner =>
        {
            var rows = (int)(dims[0] * dims[1]);
            var (codes, scales) = QuantizationMath.QuantizeRows(Tensors.ToFloats(index.Initializers[name]), step.PerChannel ? rows : 1);
            long[] parameterDims = step.PerChannel ? [rows] : [];
            return Add(owner,
                Tensors.FromInt8(index.FreshName($"{name}_quantized"), [rows, dims[2]], codes),
                Tensors.FromFloats(index.FreshName($"{name}_scale"), parameterDims, scales),
                Tensors.FromInt8(index.FreshName($"{name}_zero_point"), parameterDims, new sbyte[scales.Length]),
                Tensors.FromInt64(index.FreshName($"{name}_shape"), [dims.Length], dims));
        });

        var rowsName = index.FreshName($"{name}_dequantized_rows");
        var dequantize = Nodes.Create("DequantizeLinear", parameters[..3], [rowsName], index.FreshName($"{name}_DequantizeLinear"));
        if (step.PerChannel)
        {
            dequantize.Attribute.Add(Nodes.Int("axis", 0));
        }

        dequantized = index.FreshName($"{name}_dequantized");
        nodes.Add(dequantize);
        nodes.Add(Nodes.Create("Reshape", [rowsName, parameters[3]], [dequantized], index.FreshName($"{name}_Reshape")));
        return _dequantized[key] = dequantized;
    }

    private static string[] Add(GraphProto owner, params TensorProto[] tensors)
    {
        owner.Initializer.AddRange(tensors);
        return tensors.Select(t => t.Name).ToArray();
    }
}
