using EdgeML.Engine.Diagnostics;

namespace EdgeML.Worker;

/// <summary>
/// Writes diagnostics in MSBuild's canonical format, one per line, which the EdgeMLOptimize task turns into
/// real build errors and warnings. An unexpected exception becomes EDGEML9001 with its details in a log
/// file: the build output never shows a stack trace.
/// </summary>
internal sealed class DiagnosticWriter(TextWriter output)
{
    public int ErrorCount { get; private set; }

    public void Write(Diagnostic diagnostic)
    {
        if (diagnostic.Severity == Severity.Error)
        {
            ErrorCount++;
        }

        output.WriteLine(diagnostic.ToString());
    }

    public void Info(string message) => output.WriteLine($"EdgeML: {message}");

    public void WriteInternalError(Exception exception, string context, string logDirectory)
    {
        var logPath = Path.Combine(logDirectory, "edgeml-worker.log");
        try
        {
            Directory.CreateDirectory(logDirectory);
            File.AppendAllText(logPath, $"[{DateTimeOffset.Now:O}] {context}{Environment.NewLine}{exception}{Environment.NewLine}");
        }
        catch (IOException)
        {
            logPath = "(the log could not be written)";
        }

        Write(new Diagnostic(DiagnosticCodes.InternalError, Severity.Error,
            $"internal error while {context}: {exception.GetType().Name}: {exception.Message} — this is a bug in EdgeML.Build; details: {logPath}"));
    }
}
