namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Where the outputs for one recipe go. The MSBuild targets derive the same names from the recipe id, so
/// the two must change together (see build/EdgeML.Build.targets).
/// </summary>
public sealed record OutputLayout(string Directory, string RecipeId)
{
    public string Model => Path.Combine(Directory, $"{RecipeId}.onnx");

    public string Report => Path.Combine(Directory, $"{RecipeId}.report.json");

    public string Code => Path.Combine(Directory, $"{RecipeId}.g.cs");

    /// <summary>Every file the outputs depend on, one absolute path per line, for the next build's up-to-date check.</summary>
    public string Dependencies => Path.Combine(Directory, $"{RecipeId}.inputs");
}
