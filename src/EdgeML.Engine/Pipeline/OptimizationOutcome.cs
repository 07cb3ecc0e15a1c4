using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Reporting;

namespace EdgeML.Engine.Pipeline;

/// <summary>The result of optimizing one recipe: the report, and the warnings and errors to show the user.</summary>
public sealed record OptimizationOutcome(OptimizationReport Report, IReadOnlyList<Diagnostic> Diagnostics, bool FromCache)
{
    public bool Succeeded => Report.Passed && Diagnostics.All(d => d.Severity != Severity.Error);
}
