using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Recipes;

/// <summary>One key of a recipe mapping: its name, where the key is written, and its value.</summary>
internal readonly record struct RecipeEntry(string Name, SourceLocation KeyLocation, RecipeNode Value);

/// <summary>
/// A recipe mapping whose keys have been checked against its <see cref="RecipeSection"/>; looks values up by key.
/// Errors about missing keys point at the mapping itself.
/// </summary>
internal sealed class RecipeMapping(RecipeNode owner, RecipeSection section, IReadOnlyList<RecipeEntry> entries)
{
    public IReadOnlyList<RecipeEntry> Entries => entries;

    /// <summary>The mapping's own value in the recipe, for errors about the mapping as a whole.</summary>
    public RecipeNode Node => owner;

    public RecipeNode? Optional(string key)
    {
        // Asking for a key the section does not list is a bug in the parser: users could never write that key.
        if (!section.Keys.Contains(key))
        {
            throw new InvalidOperationException($"'{key}' is not a key of the recipe section '{section.Path}'");
        }

        // YAML duplicate keys were rejected while loading, so there is at most one.
        return entries.Where(entry => entry.Name == key).Select(entry => entry.Value).SingleOrDefault();
    }

    /// <summary>The mapping under <paramref name="key"/>, read with its own section's keys; null when the key is absent.</summary>
    public RecipeMapping? OptionalMapping(string key) => Optional(key)?.AsMapping(section.Child(key));

    public RecipeNode Required(string key) =>
        Optional(key) ?? throw owner.Error(DiagnosticCodes.RecipeMissingKey, $"{owner.Display} is missing the required key '{key}'");

    /// <summary>An optional value read with <paramref name="read"/>, keeping its location; null when the key is absent.</summary>
    public Located<T>? OptionalLocated<T>(string key, Func<RecipeNode, T> read) =>
        Optional(key) is { } value ? new Located<T>(read(value), value.Location) : null;

    /// <summary>For sections whose keys are each optional but where an empty section would mean nothing.</summary>
    public void RequireAny()
    {
        if (entries.Count == 0)
        {
            throw owner.Error(DiagnosticCodes.RecipeMissingKey, $"{owner.Display} needs at least one of: {string.Join(", ", section.Keys)}");
        }
    }
}
