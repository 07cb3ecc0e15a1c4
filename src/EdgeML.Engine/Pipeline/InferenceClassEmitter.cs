using EdgeML.Engine.CodeGen;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Turns a recipe and its model's signature into the generated inference class. Cheap (no ONNX Runtime),
/// so design-time builds can run it for IntelliSense.
/// </summary>
public static class InferenceClassEmitter
{
    /// <summary>Used when neither the recipe nor the project names a namespace.</summary>
    public const string FallbackNamespace = "EdgeML.Generated";

    /// <summary>
    /// The manifest resource name of a recipe's embedded model. The MSBuild targets give the
    /// EmbeddedResource the same LogicalName (see build/EdgeML.Build.targets).
    /// </summary>
    public static string ResourceName(string recipeId, ModelStorage storage = ModelStorage.Raw) =>
        $"EdgeML/{recipeId}{ModelStorageCodec.FileExtension(storage)}";

    /// <summary>The manifest resource name of the float model embedded for <c>fallback: float</c>.</summary>
    public static string FallbackResourceName(string recipeId) => $"EdgeML/{recipeId}.fallback.onnx";

    /// <summary>The class name when the recipe sets none: the recipe id in PascalCase plus "Model".</summary>
    public static string DefaultClassName(string recipeId) => CSharpNames.ToPascalCase(recipeId) + "Model";

    public static string Emit(Recipe recipe, ModelProto model, string? projectNamespace)
    {
        var spec = new InferenceClassSpec(
            recipe.ClassName?.Value ?? DefaultClassName(recipe.Id),
            recipe.Namespace?.Value ?? NamespaceFromProject(projectNamespace),
            ResourceName(recipe.Id, recipe.Storage),
            ModelSignature.FromModel(model),
            recipe.Labels?.Value,
            recipe.Id,
            recipe.Fallback == FallbackModel.Float ? FallbackResourceName(recipe.Id) : null);
        return InferenceClassGenerator.Generate(spec);
    }

    // A project's RootNamespace comes from its file name and can hold characters C# does not allow.
    private static string NamespaceFromProject(string? projectNamespace)
    {
        if (string.IsNullOrWhiteSpace(projectNamespace))
        {
            return FallbackNamespace;
        }

        return CSharpNames.IsValidNamespace(projectNamespace)
            ? projectNamespace
            : string.Join('.', projectNamespace.Split('.', StringSplitOptions.RemoveEmptyEntries).Select(CSharpNames.ToPascalCase));
    }
}
