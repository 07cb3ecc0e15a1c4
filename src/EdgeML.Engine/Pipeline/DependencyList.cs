using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// The lines of a recipe's <c>.inputs</c> file, which the build targets read back as the optimization's inputs: the
/// recipe, the model, its external tensor data and every data file (a removed one is missing, so the next build runs), then each folder of
/// images with a trailing separator, which the targets expand to the files it holds then (so a new image runs it too).
/// </summary>
public static class DependencyList
{
    public static IEnumerable<string> Lines(Recipe recipe, IEnumerable<string> modelDataFiles) =>
        recipe.InputFiles.Prepend(recipe.FilePath).Concat(modelDataFiles)
            .Concat(recipe.InputFolders.Select(folder => Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar))
            .Distinct(StringComparer.Ordinal);
}
