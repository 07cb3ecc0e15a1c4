using System.Globalization;
using System.Text;

namespace EdgeML.Engine.CodeGen;

/// <summary>Renders values as C# source: literals, and text safe inside comments and XML documentation.</summary>
internal static class CSharpText
{
    public static string StringLiteral(string value)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in value)
        {
            literal.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when IsControlOrLineBreak(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return literal.Append('"').ToString();
    }

    /// <summary>An array creation that, converted to <c>ReadOnlySpan&lt;long&gt;</c>, optimized builds turn into static data rather than an allocation.</summary>
    public static string LongArray(IEnumerable<long> values) =>
        $"new long[] {{ {string.Join(", ", values.Select(value => value.ToString(CultureInfo.InvariantCulture)))} }}";

    /// <summary>Text for a <c>//</c> comment: on one line.</summary>
    public static string Comment(string text) => new(text.Select(c => IsControlOrLineBreak(c) ? ' ' : c).ToArray());

    /// <summary>Text for a <c>///</c> comment: on one line and XML-escaped.</summary>
    public static string Doc(string text) => Comment(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>A shape for documentation, with dynamic dimensions by name: <c>[batch, 4]</c>.</summary>
    public static string DocShape(IEnumerable<string> dimensions) => Doc($"[{string.Join(", ", dimensions)}]");

    // Line breaks end comments and are not allowed in string literals; other control characters are unreadable.
    private static bool IsControlOrLineBreak(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
