using System.IO.Compression;
using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Data;

/// <summary>
/// Reads the arrays of NumPy's <c>.npz</c> archives (<c>numpy.savez</c>, <c>savez_compressed</c>): a zip file
/// with one <c>.npy</c> entry per array, named after it.
/// </summary>
public static class NpzReader
{
    /// <summary>The first of <paramref name="names"/> the archive holds, or null when it holds none.</summary>
    public static NpyArray? ReadFirst(ZipArchive archive, string path, params string[] names)
    {
        foreach (var name in names)
        {
            if (archive.GetEntry($"{name}.npy") is { } entry)
            {
                using var stream = entry.Open();
                return NpyReader.Read(stream, path, $"'{name}.npy' in '{path}'");
            }
        }

        return null;
    }

    /// <summary>The names of the arrays the archive holds (its <c>.npy</c> entries without the extension).</summary>
    public static IEnumerable<string> ArrayNames(ZipArchive archive) =>
        archive.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)).Select(e => e.FullName[..^".npy".Length]);

    public static ZipArchive Open(string path)
    {
        var file = DataFile.Open(path);
        try
        {
            return new ZipArchive(file, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            file.Dispose();
            throw new EdgeMLException(DiagnosticCodes.DataMalformed, $"'{path}' is not a readable .npz archive: {e.Message}", new SourceLocation(path));
        }
    }
}
