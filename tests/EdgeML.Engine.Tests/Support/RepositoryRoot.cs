namespace EdgeML.Engine.Tests.Support;

/// <summary>Finds files of this repository (docs, schema) from the test assembly's folder.</summary>
internal static class RepositoryRoot
{
    public static string PathOf(string relativePath) => Path.Combine(Find(), relativePath);

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EdgeML.Build.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"no folder above '{AppContext.BaseDirectory}' contains EdgeML.Build.sln");
    }
}
