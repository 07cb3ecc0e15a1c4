using EdgeML.Engine.Recipes;

using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>Keeps docs/recipe.md mentioning every key the parser reads.</summary>
[TestClass]
public sealed class RecipeDocTests
{
    [TestMethod]
    public void EveryKeyIsDocumented()
    {
        var doc = File.ReadAllText(RepositoryRoot.PathOf("docs/recipe.md"));

        var undocumented = RecipeSection.All
            .SelectMany(section => section.Keys)
            .Where(key => !doc.Contains($"| `{key}` |", StringComparison.Ordinal) && !doc.Contains($"### `{key}`", StringComparison.Ordinal))
            .ToList();

        Assert.IsEmpty(undocumented, $"keys missing from docs/recipe.md: {string.Join(", ", undocumented)}");
    }
}
