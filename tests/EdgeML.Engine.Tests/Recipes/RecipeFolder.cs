using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>
/// A temporary folder with a recipe path and the dummy files recipes reference (the parser only checks that
/// they exist); deleted on dispose.
/// </summary>
internal sealed class RecipeFolder : IDisposable
{
    public RecipeFolder()
    {
        Root = Directory.CreateTempSubdirectory("edgeml-recipe-").FullName;
        foreach (var name in new[] { "digits.onnx", "digits-test.csv", "calib.csv", "data/digits-test.csv" })
        {
            var path = PathOf(name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "dummy");
        }
    }

    public string Root { get; }

    public string RecipePath => PathOf("digits.edgeml.yaml");

    public string PathOf(string relativePath) => Path.GetFullPath(Path.Combine(Root, relativePath));

    public SourceLocation At(int line, int column) => new(RecipePath, line, column);

    public Recipe Parse(string yaml) => RecipeParser.Parse(yaml, RecipePath);

    /// <summary>Parses a recipe that must be rejected, and returns the diagnostic.</summary>
    public Diagnostic ParseError(string yaml) => Assert.ThrowsExactly<EdgeMLException>(() => Parse(yaml)).Diagnostic;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
