namespace EdgeML.Engine.Recipes;

/// <summary>Naming conventions shared by the engine, the worker and the MSBuild targets.</summary>
public static class RecipeNaming
{
    /// <summary>File name suffixes that mark a recipe.</summary>
    public static readonly IReadOnlyList<string> Suffixes = [".edgeml.yaml", ".edgeml.yml"];

    /// <summary>The recipe id: the file name without its recipe suffix.</summary>
    public static string IdFromPath(string recipePath)
    {
        var name = Path.GetFileName(recipePath);
        foreach (var suffix in Suffixes)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^suffix.Length];
            }
        }

        return Path.GetFileNameWithoutExtension(name);
    }
}
