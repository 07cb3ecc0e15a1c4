using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Gates;

/// <summary>The verdict of one gate limit: what it allows, what was measured, and where the recipe sets it.</summary>
public sealed record GateResult(string Gate, string Code, bool Passed, double Measured, double Allowed, string Message, SourceLocation Location)
{
    /// <summary>The build error for a failed gate, pointing at the recipe line that sets the limit.</summary>
    public Diagnostic ToDiagnostic() => new(Code, Severity.Error, Message, Location);
}
