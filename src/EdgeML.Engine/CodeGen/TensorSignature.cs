using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.CodeGen;

/// <summary>A model input or output as generated code sees it.</summary>
/// <param name="OnnxName">The tensor's name in the ONNX graph.</param>
/// <param name="CSharpName">A PascalCase identifier for it, unique among the model's inputs and outputs.</param>
/// <param name="ElementType">The element type; ONNX Runtime's enum numbers element types as ONNX does.</param>
/// <param name="Shape">The declared dimensions.</param>
public sealed record TensorSignature(string OnnxName, string CSharpName, TensorElementType ElementType, IReadOnlyList<TensorDimension> Shape)
{
    /// <summary>True when a Softmax node produces this output directly, so its values are already probabilities.</summary>
    public bool HoldsProbabilities { get; init; }

    /// <summary>As <c>edgeml inspect</c> prints it: <c>input_ids: Int64 [batch, sequence]</c>.</summary>
    public override string ToString() => $"{OnnxName}: {ElementType} [{string.Join(", ", Shape)}]{(HoldsProbabilities ? " (probabilities)" : string.Empty)}";
}
