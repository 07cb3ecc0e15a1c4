using System.Globalization;
using System.Text;

namespace EdgeML.Engine.CodeGen;

/// <summary>
/// Turns ONNX tensor names into C# identifiers and checks the names users choose for generated code.
/// ONNX names are arbitrary strings (<c>input.1</c>, <c>Plus214_Output_0</c>, <c>0</c>): every run of letters
/// and digits is a word, everything else separates words.
/// </summary>
public static class CSharpNames
{
    // Prefixed to names that would otherwise start with a digit (or be empty): "0" becomes "Value0".
    private const string Prefix = "Value";

    // The reserved keywords; contextual ones (var, value, record, ...) are valid identifiers.
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>A name for types and properties: <c>Plus214_Output_0</c> gives <c>Plus214Output0</c>.</summary>
    public static string ToPascalCase(string name)
    {
        var pascal = string.Concat(Words(name).Select(word => char.ToUpperInvariant(word[0]) + word[1..]));

        // No keyword starts with an upper-case letter, so a PascalCase name never needs escaping.
        return pascal.Length > 0 && IsIdentifierStart(pascal[0]) ? pascal : Prefix + pascal;
    }

    /// <summary>A name for parameters: <c>Plus214_Output_0</c> gives <c>plus214Output0</c>, <c>class</c> gives <c>@class</c>.</summary>
    public static string ToCamelCase(string name)
    {
        var pascal = ToPascalCase(name);
        var upper = 0;
        while (upper < pascal.Length && char.IsUpper(pascal[upper]))
        {
            upper++;
        }

        // A leading acronym is lowered whole except for the letter that starts the next word: "IOData" gives "ioData".
        var lower = upper > 1 && upper < pascal.Length && char.IsLower(pascal[upper]) ? upper - 1 : upper;
        var camel = pascal[..lower].ToLowerInvariant() + pascal[lower..];
        return Keywords.Contains(camel) ? "@" + camel : camel;
    }

    /// <summary>
    /// Makes names distinct, in order: the first of equal names stays as it is, later ones get <c>_2</c>,
    /// <c>_3</c>, ... Names in <paramref name="reserved"/> are never produced.
    /// </summary>
    public static IReadOnlyList<string> MakeUnique(IEnumerable<string> names, IEnumerable<string>? reserved = null)
    {
        var taken = new HashSet<string>(reserved ?? [], StringComparer.Ordinal);
        var unique = new List<string>();
        foreach (var name in names)
        {
            var candidate = name;
            for (var suffix = 2; !taken.Add(candidate); suffix++)
            {
                candidate = $"{name}_{suffix.ToString(CultureInfo.InvariantCulture)}";
            }

            unique.Add(candidate);
        }

        return unique;
    }

    /// <summary>Whether a user-chosen name (a class name, say) is a valid C# identifier as written, without <c>@</c>.</summary>
    public static bool IsValidIdentifier(string name) =>
        name.Length > 0
        && IsIdentifierStart(name[0])
        && name.Skip(1).All(IsIdentifierPart)
        && !Keywords.Contains(name);

    /// <summary>Whether a user-chosen name is a valid namespace: identifiers separated by dots, e.g. <c>MyApp.Models</c>.</summary>
    public static bool IsValidNamespace(string name) => name.Split('.').All(IsValidIdentifier);

    private static IEnumerable<string> Words(string name)
    {
        var word = new StringBuilder();
        foreach (var c in name)
        {
            if (IsWordCharacter(c))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    // Letters, digits and combining marks: identifier characters except the underscore and other connectors,
    // which separate words.
    private static bool IsWordCharacter(char c) =>
        char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static bool IsIdentifierStart(char c) => c == '_' || char.IsLetter(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.LetterNumber;

    private static bool IsIdentifierPart(char c) =>
        IsIdentifierStart(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.Format;
}
