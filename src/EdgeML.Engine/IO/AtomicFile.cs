using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.IO;

/// <summary>
/// Writes files so that an interrupted or failed build never leaves a half-written one behind: the data goes
/// to a temporary file beside the target, which is then renamed over it (atomic on one volume).
/// </summary>
public static class AtomicFile
{
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var temporary = $"{fullPath}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new EdgeMLException(DiagnosticCodes.OutputWriteFailed, $"cannot write '{fullPath}': {e.Message}");
        }
    }

    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Copies a file with the same all-or-nothing guarantee as <see cref="WriteAllBytes"/>.</summary>
    public static void Copy(string source, string destination) => WriteAllBytes(destination, File.ReadAllBytes(source));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray *.tmp file is harmless and never read as output.
        }
    }
}
