using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation;

/// <summary>
/// Raises a model's default-domain opset when a compression form needs a newer one (per-channel
/// DequantizeLinear needs 13). Only graphs whose operators all mean the same in the old and new opset are raised;
/// an operator whose semantics changed in between (Softmax's axis, Squeeze's axes becoming an input, …) makes it
/// an error that names the operator, never a silently different model.
/// </summary>
public static class OpsetUpgrade
{
    /// <summary>The oldest opset this upgrade starts from: before 10 QuantizeLinear/DequantizeLinear did not exist.</summary>
    public const long OldestUpgradable = 10;

    // Operators whose definitions from opset 10 up to 13 differ only in the element types they accept.
    private static readonly HashSet<string> StableFrom10To13 = new(StringComparer.Ordinal)
    {
        "Abs", "Add", "And", "ArgMax", "ArgMin", "AveragePool", "BatchNormalization", "Cast", "Ceil", "Concat", "Constant", "ConstantOfShape",
        "Conv", "DequantizeLinear", "Div", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather",
        "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Greater", "HardSigmoid", "Identity", "InstanceNormalization", "LeakyRelu", "Less",
        "Log", "LRN", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mul", "Neg", "Not", "Or", "Pow", "PRelu", "QuantizeLinear", "Reciprocal",
        "Relu", "Reshape", "Selu", "Shape", "Sigmoid", "Sign", "Softplus", "Softsign", "Sqrt", "Sub", "Sum", "Tanh", "Tile", "Transpose", "Where", "Xor",
    };

    /// <summary>
    /// The model itself when its opset is already <paramref name="required"/> or later; else a copy importing
    /// <paramref name="required"/>. Throws <see cref="DiagnosticCodes.ModelUnsupported"/> at <paramref name="location"/>
    /// when the graph cannot be raised safely.
    /// </summary>
    public static ModelProto ToAtLeast(ModelProto model, long required, SourceLocation location)
    {
        var opset = model.DefaultOpset();
        if (opset >= required)
        {
            return model;
        }

        var changed = OperatorsIn(model.Graph).Where(op => !StableFrom10To13.Contains(op)).Order(StringComparer.Ordinal).ToArray();
        if (opset < OldestUpgradable || required > 13 || changed.Length > 0)
        {
            var why = changed.Length > 0
                ? $"its {string.Join(", ", changed)} {(changed.Length == 1 ? "operator changed" : "operators changed")} meaning since then"
                : $"opsets before {OldestUpgradable} cannot be raised automatically";
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported,
                $"the model uses opset {opset} and this step needs opset {required} or later, but {why}; re-export the model with opset {required} or later", location);
        }

        var upgraded = model.Clone();
        foreach (var import in upgraded.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx"))
        {
            import.Version = required;
        }

        // Opset 13 needs IR version 7 or later.
        upgraded.IrVersion = Math.Max(upgraded.IrVersion, 7);
        return upgraded;
    }

    private static IEnumerable<string> OperatorsIn(GraphProto graph) =>
        graph.Node.SelectMany(node => node.Attribute
            .SelectMany(a => a.Graphs.Prepend(a.G).OfType<GraphProto>())
            .SelectMany(OperatorsIn)
            .Prepend(string.IsNullOrEmpty(node.Domain) || node.Domain == "ai.onnx" ? node.OpType : string.Empty))
            .Where(op => op.Length > 0)
            .Distinct(StringComparer.Ordinal);
}
