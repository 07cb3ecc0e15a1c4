using EdgeML.Engine.IO;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Where the outputs for one recipe go. The MSBuild targets derive the same names from the recipe id, so
/// the two must change together (see build/EdgeML.Build.targets).
/// </summary>
public sealed record OutputLayout(string Directory, string RecipeId)
{
    public string Model => File(".onnx");

    /// <summary>The model as embedded: <see cref="Model"/> itself, or its Brotli-compressed copy.</summary>
    public string StoredModel(ModelStorage storage) => File(ModelStorageCodec.FileExtension(storage));

    public string Report => File(".report.json");

    public string Code => File(".g.cs");

    /// <summary>What the runtime checks the embedded model against: its hash, version and golden samples.</summary>
    public string Manifest => File(".manifest.json");

    /// <summary>The signed over-the-air update package of the model, written when the build signs updates.</summary>
    public string UpdatePackage => File(".edgeml-update");

    /// <summary>The original model, copied for <c>fallback: float</c>; absent otherwise.</summary>
    public string FallbackModel => File(".fallback.onnx");

    /// <summary>The output of this recipe whose name ends in <paramref name="suffix"/>, e.g. <c>digits.onnx</c> for <c>.onnx</c>.</summary>
    public string File(string suffix) => Path.Combine(Directory, RecipeId + suffix);

    /// <summary>Every file the outputs depend on, one absolute path per line, for the next build's up-to-date check.</summary>
    public string Dependencies => File(".inputs");
}
