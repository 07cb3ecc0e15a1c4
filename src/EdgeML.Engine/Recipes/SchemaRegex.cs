using System.Text.RegularExpressions;

namespace EdgeML.Engine.Recipes;

/// <summary>Turns a JSON schema <c>pattern</c> into a .NET regex that accepts exactly the same strings.</summary>
internal static class SchemaRegex
{
    // In ECMAScript, the schema's regex dialect, '$' is the end of the text; in .NET it also matches before a
    // final '\n', which would let "Foo\n" through. Our patterns use '$' only as that anchor.
    public static Regex Create(string pattern) =>
        new(pattern.Replace("$", "\\z", StringComparison.Ordinal), RegexOptions.CultureInvariant);
}
