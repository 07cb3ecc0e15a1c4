using EdgeML.Engine.Onnx.Protobuf;
using static EdgeML.Engine.Onnx.Preparation.Upgrades.AttributesToInputs;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>
/// For each default-domain operator the upgrade knows, the opsets from 9 to 21 at which its definition changed
/// (from the ONNX operator changelog), and for each change how a node keeps its meaning: nothing (only new element
/// types or attributes whose defaults keep the old behaviour) or an adapter. An operator missing here is one the
/// upgrade cannot vouch for.
/// </summary>
internal static class OperatorHistory
{
    private static readonly OperatorAdapter Unchanged = (node, _) => [node];

    private static readonly Dictionary<string, IReadOnlyDictionary<long, OperatorAdapter>> Changes = new(StringComparer.Ordinal);

    static OperatorHistory()
    {
        // Unary math and activations.
        Compatible(["Acos", "Asin", "Atan", "Cos", "Sin", "Tan", "Acosh", "Asinh", "Atanh", "Cosh", "Sinh", "Elu", "HardSigmoid", "Selu",
            "Softplus", "Softsign", "ThresholdedRelu", "InstanceNormalization", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
            "LpNormalization", "Not", "And", "Or", "Xor", "Round", "Range", "Einsum", "HardSwish", "Mish", "LayerNormalization", "Gelu",
            "MatMulInteger", "ConvInteger", "QLinearConv", "Shrink", "Trilu", "Det", "BitShift", "Celu", "SequenceEmpty"]);
        Compatible(["Abs", "Ceil", "Floor", "Exp", "Log", "Neg", "Reciprocal", "Sqrt", "Sigmoid", "Tanh", "Erf", "Sign", "Expand", "Tile",
            "LRN", "SpaceToDepth", "Mean", "Sum", "Mod", "NonZero", "GatherElements"], 13);
        Compatible(["Add", "Sub", "Mul", "Div"], 13, 14);
        Compatible(["Relu"], 13, 14);
        Compatible(["ArgMax", "ArgMin"], 11, 12, 13);
        Compatible(["AveragePool"], 10, 11, 19);
        Compatible(["MaxPool"], 10, 11, 12);
        Compatible(["Cast"], 9, 13, 19, 21);
        Compatible(["CastLike"], 19, 21);
        Compatible(["Concat", "Gather"], 11, 13);
        Compatible(["Constant"], 9, 11, 12, 13, 19, 21);
        Compatible(["ConstantOfShape"], 20, 21);
        Compatible(["Conv", "ConvTranspose"], 11);
        Compatible(["DepthToSpace"], 11, 13);
        Compatible(["QuantizeLinear", "DequantizeLinear"], 13, 19, 21);
        Compatible(["QLinearMatMul"], 21);
        Compatible(["Equal"], 11, 13, 19);
        Compatible(["Flatten"], 9, 11, 13, 21);
        Compatible(["GatherND"], 12, 13);
        Compatible(["Gemm"], 9, 11, 13);
        Compatible(["MatMul"], 9, 13);
        Compatible(["Greater", "Less"], 9, 13);
        Compatible(["GreaterOrEqual", "LessOrEqual"], 16);
        Compatible(["Identity"], 13, 14, 16, 19, 21);
        Compatible(["LeakyRelu"], 16);
        Compatible(["Max", "Min"], 12, 13);
        Compatible(["Pow"], 12, 13, 15);
        Compatible(["PRelu"], 9, 16);
        Compatible(["Reshape"], 13, 14, 19, 21);
        Compatible(["Shape"], 13, 15, 19, 21);
        Compatible(["Size"], 13, 19, 21);
        Compatible(["Transpose"], 13, 21);
        Compatible(["Where"], 16);
        Compatible(["CumSum"], 14);
        Compatible(["IsNaN"], 13, 20);
        Compatible(["IsInf"], 20);
        Compatible(["MeanVarianceNormalization"], 9, 13);
        Compatible(["OneHot", "Compress"], 11);
        Compatible(["ScatterElements", "ScatterND"], 13, 16, 18);
        Compatible(["If", "Loop"], 11, 13, 16, 19, 21);
        Compatible(["LSTM", "GRU", "RNN"], 14);

        // Attributes that became inputs.
        var axes = Adapter(Int64List("axes"));
        Changed("ReduceSum", (11, Unchanged), (13, axes));
        foreach (var reduction in new[] { "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare" })
        {
            Changed(reduction, (11, Unchanged), (13, Unchanged), (18, axes));
        }

        foreach (var reduction in new[] { "ReduceMax", "ReduceMin" })
        {
            Changed(reduction, (11, Unchanged), (12, Unchanged), (13, Unchanged), (18, axes), (20, Unchanged));
        }

        Changed("Squeeze", (11, Unchanged), (13, axes), (21, Unchanged));
        Changed("Unsqueeze", (11, Unchanged), (13, axes), (21, Unchanged));
        Changed("Split", (11, Unchanged), (13, SplitUpgrades.SplitToInput), (18, SplitUpgrades.NameOutputCount));
        Changed("Slice", (10, Adapter(Int64List("starts"), Int64List("ends"), Int64List("axes"))), (11, Unchanged), (13, Unchanged));
        Changed("TopK", (10, Adapter(Int64One("k"))), (11, Unchanged));
        Changed("Clip", (11, Adapter(DataScalar("min"), DataScalar("max"))), (12, Unchanged), (13, Unchanged));
        Changed("Pad", (11, Adapter(Int64List("pads"), DataScalar("value"))), (13, Unchanged), (18, Unchanged), (19, Unchanged), (21, Unchanged));

        // Operators whose meaning changed.
        foreach (var normalization in new[] { "Softmax", "LogSoftmax", "Hardmax" })
        {
            Changed(normalization, (11, Unchanged), (13, CoercedSoftmax.Adapt));
        }

        Changed("Dropout", (10, DropoutToIdentity.Adapt), (12, DropoutToIdentity.Adapt), (13, DropoutToIdentity.Adapt));
        Changed("Upsample", (9, ResizeUpgrades.ScalesToInput), (10, ResizeUpgrades.UpsampleToResize));
        Changed("Resize", (11, ResizeUpgrades.AddRoiAndModes), (13, Unchanged), (18, Unchanged), (19, Unchanged));
        Changed("BatchNormalization", (9, NormalizationUpgrades.DropSpatial), (14, NormalizationUpgrades.InferenceOnly), (15, Unchanged));
        Changed("Scan", (9, (node, context) => throw context.Unsupported(node, "Scan 9 dropped the batch axis that Scan 8 loops over")),
            (11, Unchanged), (16, Unchanged), (19, Unchanged), (21, Unchanged));
    }

    /// <summary>Whether the upgrade knows the operator's history.</summary>
    public static bool Knows(NodeProto node) => Changes.ContainsKey(node.OpType);

    /// <summary>How to carry a node into <paramref name="version"/>: null when its operator did not change there.</summary>
    public static OperatorAdapter? AdapterAt(NodeProto node, long version) =>
        Changes.TryGetValue(node.OpType, out var changes) && changes.TryGetValue(version, out var adapter) ? adapter : null;

    private static void Compatible(string[] operators, params long[] versions)
    {
        foreach (var op in operators)
        {
            Changed(op, versions.Select(v => (v, Unchanged)).ToArray());
        }
    }

    private static void Changed(string op, params (long Version, OperatorAdapter Adapter)[] changes) =>
        Changes.Add(op, changes.ToDictionary(c => c.Version, c => c.Adapter));
}
