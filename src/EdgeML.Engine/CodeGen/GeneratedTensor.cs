namespace EdgeML.Engine.CodeGen;

/// <summary>How one model input or output appears in the generated class.</summary>
internal sealed class GeneratedTensor
{
    public GeneratedTensor(TensorSignature signature, string parameterName, string? shapeParameterName)
    {
        Signature = signature;
        ParameterName = parameterName;
        ShapeParameterName = shapeParameterName;
        CSharpType = CSharpTypeNames.Of(signature.ElementType)
            ?? throw new ArgumentException($"'{signature.OnnxName}' has element type {signature.ElementType}, which generated classes do not support.", nameof(signature));
        SampleShape = SampleShapeOf(signature);
        SampleLength = SampleShape.Contains(-1) ? null : checked((int)SampleShape.Aggregate(1L, (count, dim) => count * dim));
    }

    public TensorSignature Signature { get; }

    /// <summary>The Predict parameter (inputs) or Result constructor parameter (outputs), escaped if a keyword.</summary>
    public string ParameterName { get; }

    /// <summary>The Predict parameter that gives this input's shape, when the shape has several unknown dimensions.</summary>
    public string? ShapeParameterName { get; }

    public string CSharpType { get; }

    public bool IsString => CSharpType == "string";

    /// <summary>The shape of one sample; -1 marks a dimension EdgeML.Runtime infers from the data length.</summary>
    public IReadOnlyList<long> SampleShape { get; }

    /// <summary>The number of values in one sample, when the sample shape is fully known.</summary>
    public int? SampleLength { get; }

    public string ShapeMember => Signature.CSharpName + "Shape";

    public string LengthMember => Signature.CSharpName + "Length";

    /// <summary>
    /// One sample's shape: a dynamic first dimension of a tensor with several dimensions is the batch, of size 1;
    /// other dynamic dimensions stay -1 for EdgeML.Runtime to infer from the number of values.
    /// </summary>
    public static IReadOnlyList<long> SampleShapeOf(TensorSignature signature) =>
        signature.Shape.Select((dim, i) => dim.Value ?? (i == 0 && signature.Shape.Count > 1 ? 1 : -1)).ToList();

    /// <summary>Whether a caller must give the shape: one unknown dimension can be inferred, several cannot.</summary>
    public static bool NeedsShapeArgument(TensorSignature signature) => SampleShapeOf(signature).Count(dim => dim == -1) > 1;
}
