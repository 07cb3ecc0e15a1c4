using System.Text.RegularExpressions;

namespace EdgeML.Engine.Recipes;

/// <summary>
/// Checks the recipe's <c>class</c> and <c>namespace</c> before they reach generated code: valid C# names
/// (see <see cref="CodeGen.CSharpNames"/>), and ASCII only so the JSON schema can express the rule as a pattern.
/// </summary>
internal static class RecipeNameRules
{
    public const string IdentifierPattern = "^[A-Za-z_][A-Za-z0-9_]*$";
    public const string NamespacePattern = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$";

    private static readonly Regex Identifier = SchemaRegex.Create(IdentifierPattern);
    private static readonly Regex Namespace = SchemaRegex.Create(NamespacePattern);

    public static bool IsIdentifier(string name) => Identifier.IsMatch(name) && CodeGen.CSharpNames.IsValidIdentifier(name);

    public static bool IsNamespace(string name) => Namespace.IsMatch(name) && CodeGen.CSharpNames.IsValidNamespace(name);
}
