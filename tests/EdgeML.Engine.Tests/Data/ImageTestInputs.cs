using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Tests.Data;

/// <summary>Model inputs and recipe preprocessing for the image data tests.</summary>
internal static class ImageTestInputs
{
    public static readonly SourceLocation Preprocess = new("images.edgeml.yaml", 9, 7);

    /// <summary>A float input <c>[N, …dims]</c>; a null dimension is dynamic.</summary>
    public static TensorSignature Input(params long?[] dims) =>
        new("image", "Image", TensorElementType.Float, [TensorDimension.Dynamic("N"), .. dims.Select(d => d is { } size ? TensorDimension.Fixed(size) : TensorDimension.Dynamic())]);

    public static Located<T> At<T>(T value, int line) => new(value, new SourceLocation(Preprocess.File, line, 15));

    public static ImagePreprocessing Declared() => new(Preprocess);
}
