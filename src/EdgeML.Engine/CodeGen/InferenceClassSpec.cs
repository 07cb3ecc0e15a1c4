namespace EdgeML.Engine.CodeGen;

/// <summary>Everything the generator needs to write one inference class.</summary>
/// <param name="ClassName">The class's name, a valid identifier (<see cref="CSharpNames.IsValidIdentifier"/>).</param>
/// <param name="Namespace">The class's namespace, valid per <see cref="CSharpNames.IsValidNamespace"/>.</param>
/// <param name="ResourceName">The manifest resource the compressed model is embedded as.</param>
/// <param name="Signature">The model's inputs and outputs.</param>
/// <param name="Labels">The recipe's class labels, or <see langword="null"/>.</param>
/// <param name="RecipeId">The recipe the class comes from, named in the generated header.</param>
/// <param name="FallbackResourceName">The manifest resource of the float model to fall back to, or <see langword="null"/> when none is embedded.</param>
public sealed record InferenceClassSpec(
    string ClassName,
    string Namespace,
    string ResourceName,
    ModelSignature Signature,
    IReadOnlyList<string>? Labels,
    string RecipeId,
    string? FallbackResourceName = null);
