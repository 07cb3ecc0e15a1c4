using System.Reflection;
using System.Text.RegularExpressions;
using EdgeML.Engine.Diagnostics;

using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>Keeps docs/diagnostics.md documenting exactly the codes in <see cref="DiagnosticCodes"/>.</summary>
[TestClass]
public sealed partial class DiagnosticsDocTests
{
    [TestMethod]
    public void EveryCodeHasASectionAndEverySectionACode()
    {
        var codes = typeof(DiagnosticCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToList();
        var documented = Heading()
            .Matches(File.ReadAllText(RepositoryRoot.PathOf("docs/diagnostics.md")))
            .Select(match => match.Groups[1].Value)
            .ToList();

        Assert.IsEmpty(codes.Except(documented).ToList(), $"undocumented codes: {string.Join(", ", codes.Except(documented))}");
        Assert.IsEmpty(documented.Except(codes).ToList(), $"documented codes that do not exist: {string.Join(", ", documented.Except(codes))}");
        Assert.HasCount(documented.Count, documented.Distinct(), "a code has two sections");
    }

    [GeneratedRegex(@"^## (EDGEML\d{4})\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
