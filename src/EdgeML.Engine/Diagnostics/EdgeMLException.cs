namespace EdgeML.Engine.Diagnostics;

/// <summary>
/// A failure that the user can fix, carrying the diagnostic to report. Anything else that escapes the
/// engine is a bug and is reported as <see cref="DiagnosticCodes.InternalError"/>.
/// </summary>
public sealed class EdgeMLException : Exception
{
    public EdgeMLException(Diagnostic diagnostic, Exception? inner = null)
        : base(diagnostic.Message, inner) => Diagnostic = diagnostic;

    public EdgeMLException(string code, string message, SourceLocation? location = null, Exception? inner = null)
        : this(new Diagnostic(code, Severity.Error, message, location), inner)
    {
    }

    public Diagnostic Diagnostic { get; }
}
