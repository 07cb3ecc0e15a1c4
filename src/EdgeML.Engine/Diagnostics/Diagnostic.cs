namespace EdgeML.Engine.Diagnostics;

/// <summary>
/// One message for the user, with an <c>EDGEML####</c> code documented in docs/diagnostics.md.
/// <see cref="ToString"/> renders MSBuild's canonical format so that a ToolTask turns it into a real
/// error or warning that points at the file, line and column.
/// </summary>
public sealed record Diagnostic(string Code, Severity Severity, string Message, SourceLocation? Location = null)
{
    public override string ToString()
    {
        var severity = Severity == Severity.Error ? "error" : "warning";
        var origin = Location is { } location ? location.ToString() : "EdgeML";
        return $"{origin}: {severity} {Code}: {Message}";
    }
}
