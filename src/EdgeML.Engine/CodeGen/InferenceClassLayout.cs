using EdgeML.Engine.Diagnostics;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.CodeGen;

/// <summary>What <c>Predict(...)</c> returns.</summary>
internal enum PredictionKind
{
    /// <summary>A <c>ClassPrediction</c>: the model has one output of one score per label.</summary>
    Class,

    /// <summary>The values of the model's only output.</summary>
    Array,

    /// <summary>A nested <c>Result</c> with one property per output.</summary>
    Result,
}

/// <summary>The decisions behind one generated class: names, what Predict returns, and which overloads exist.</summary>
internal sealed class InferenceClassLayout
{
    // Locals the generated Predict bodies declare; parameters must not shadow them.
    private static readonly string[] LocalNames = ["inputs", "outputs", "output", "result", "error", "exception", "count", "predictions", "i", "options", "fallback", "update", "package", "trustedPublicKey", "versionStore"];

    private InferenceClassLayout(IReadOnlyList<GeneratedTensor> inputs, IReadOnlyList<GeneratedTensor> outputs, PredictionKind kind, bool hasBufferOverload)
    {
        Inputs = inputs;
        Outputs = outputs;
        Kind = kind;
        HasBufferOverload = hasBufferOverload;
    }

    public IReadOnlyList<GeneratedTensor> Inputs { get; }

    public IReadOnlyList<GeneratedTensor> Outputs { get; }

    public PredictionKind Kind { get; }

    /// <summary>
    /// Whether <c>Predict(input, output)</c> exists, writing into the caller's buffer: the model has one input and
    /// one output, neither of strings, and one sample's output has a known size.
    /// </summary>
    public bool HasBufferOverload { get; }

    /// <summary>
    /// Whether <c>PredictBatch</c> exists: the buffer overload exists and both tensors' first dimension is a
    /// dynamic batch dimension, so several samples can run in one call.
    /// </summary>
    public bool IsBatchable => HasBufferOverload && IsBatchDimensioned(Inputs[0]) && IsBatchDimensioned(Outputs[0]);

    public static InferenceClassLayout Create(InferenceClassSpec spec)
    {
        if (!CSharpNames.IsValidIdentifier(spec.ClassName))
        {
            throw new ArgumentException($"'{spec.ClassName}' is not a valid class name.", nameof(spec));
        }

        if (!CSharpNames.IsValidNamespace(spec.Namespace))
        {
            throw new ArgumentException($"'{spec.Namespace}' is not a valid namespace.", nameof(spec));
        }

        var (inputs, outputs) = NameParameters(spec.Signature);
        var hasBufferOverload = inputs is [{ IsString: false, ShapeParameterName: null }] && outputs is [{ IsString: false, SampleLength: not null }];
        var kind = outputs.Count > 1 ? PredictionKind.Result
            : IsClassifier(outputs[0], spec.Labels) ? PredictionKind.Class
            : PredictionKind.Array;

        var layout = new InferenceClassLayout(inputs, outputs, kind, hasBufferOverload);
        if (layout.MemberNames().Contains(spec.ClassName))
        {
            throw new EdgeMLException(DiagnosticCodes.RecipeInvalidValue, $"the class name '{spec.ClassName}' is also the name of one of the generated class's members; choose another");
        }

        return layout;
    }

    /// <summary>Every member name the class declares, which its own name must not repeat.</summary>
    private IEnumerable<string> MemberNames() =>
        new[] { "ModelName", "ResourceName", "FallbackResourceName", "Labels", "Create", "CreateFromUpdate", "Predict", "TryPredict", "PredictBatch", "Warmup", "Validate", "ExecutionProvider", "Dispose", "Result" }
            .Concat(Inputs.Concat(Outputs).SelectMany(tensor => new[] { tensor.ShapeMember, tensor.LengthMember }));

    private static bool IsBatchDimensioned(GeneratedTensor tensor) =>
        tensor.Signature.Shape.Count > 1 && !tensor.Signature.Shape[0].IsFixed;

    private static (IReadOnlyList<GeneratedTensor> Inputs, IReadOnlyList<GeneratedTensor> Outputs) NameParameters(ModelSignature signature)
    {
        var tensors = signature.Inputs.Concat(signature.Outputs).ToList();
        var shaped = signature.Inputs.Where(GeneratedTensor.NeedsShapeArgument).ToList();

        // From the ONNX names rather than the PascalCase ones, whose _2 suffixes camelCase would blur into the name.
        var names = CSharpNames.MakeUnique(
            tensors.Select(tensor => CSharpNames.ToCamelCase(tensor.OnnxName))
                .Concat(shaped.Select(input => CSharpNames.ToCamelCase(input.OnnxName + " shape"))),
            LocalNames);

        var generated = tensors.Select((tensor, i) =>
        {
            var shapeIndex = shaped.IndexOf(tensor);
            return new GeneratedTensor(tensor, names[i], shapeIndex < 0 ? null : names[tensors.Count + shapeIndex]);
        }).ToList();
        return (generated[..signature.Inputs.Count], generated[signature.Inputs.Count..]);
    }

    // One float score per label for one sample: a ClassPrediction can name the winner.
    private static bool IsClassifier(GeneratedTensor output, IReadOnlyList<string>? labels) =>
        labels is { Count: > 0 }
        && output.Signature.ElementType == TensorElementType.Float
        && output.Signature.Shape is [.., { Value: var classes }]
        && classes == labels.Count
        && output.SampleLength == labels.Count;
}
