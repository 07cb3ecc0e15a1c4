using System.Reflection;
using EdgeML.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Engine.Tests.CodeGen;

/// <summary>
/// Compiles C# the way a strict consumer project does: nullable enabled, every warning (all warning waves, XML
/// documentation included) an error, no implicit usings, C# 12 as net8.0 projects default to.
/// </summary>
internal static class CSharpCompiler
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12, DocumentationMode.Diagnose);

    private static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithGeneralDiagnosticOption(ReportDiagnostic.Error)
        .WithWarningLevel(9999)
        // As every SDK build does (/nowarn:1701,1702): the runtime targets net8.0 and the tests run on a newer framework.
        .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]);

    // The platform the tests run on, plus the libraries generated code calls.
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat([typeof(EdgeMLSession).Assembly.Location, typeof(InferenceSession).Assembly.Location])
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            $"Generated{Guid.NewGuid():N}",
            sources.Select(source => CSharpSyntaxTree.ParseText(source, ParseOptions)),
            References.Value,
            Options);

    /// <summary>Every diagnostic a build would show (hidden ones never do), one per line, for assertion messages.</summary>
    public static IReadOnlyList<string> VisibleDiagnostics(this Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden).Select(d => d.ToString()).ToList();

    /// <summary>Emits the assembly with the given manifest resources and loads it.</summary>
    public static Assembly Load(this Compilation compilation, params (string Name, byte[] Content)[] resources)
    {
        using var image = new MemoryStream();
        var result = compilation.Emit(
            image,
            manifestResources: resources.Select(resource => new ResourceDescription(resource.Name, () => new MemoryStream(resource.Content), isPublic: true)));
        Assert.IsTrue(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return Assembly.Load(image.ToArray());
    }
}
