using System.Text.RegularExpressions;

namespace EdgeML.Engine.Recipes;

/// <summary>
/// Checks the recipe's <c>class</c> and <c>namespace</c> before they reach generated code. Deliberately
/// stricter than C# (ASCII only) so the JSON schema can express the same rule as a pattern.
/// </summary>
internal static class CSharpNames
{
    public const string IdentifierPattern = "^[A-Za-z_][A-Za-z0-9_]*$";
    public const string NamespacePattern = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$";

    private static readonly Regex Identifier = SchemaRegex.Create(IdentifierPattern);
    private static readonly Regex Namespace = SchemaRegex.Create(NamespacePattern);

    /// <summary>C#'s reserved keywords: none of them can name a class or a namespace segment.</summary>
    private static readonly HashSet<string> Keywords =
    [
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    ];

    public static bool IsIdentifier(string name) => Identifier.IsMatch(name) && !Keywords.Contains(name);

    public static bool IsNamespace(string name) => Namespace.IsMatch(name) && !name.Split('.').Any(Keywords.Contains);
}
