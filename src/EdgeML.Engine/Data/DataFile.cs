using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Data;

/// <summary>Opens a data file for reading; a file that cannot be read is an error at the file.</summary>
internal static class DataFile
{
    public static FileStream Open(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMLException(DiagnosticCodes.RecipeFileNotFound, $"cannot read the data file '{path}': {e.Message}", new SourceLocation(path));
        }
    }
}
