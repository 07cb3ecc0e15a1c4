namespace EdgeML.Build.Tests.Infrastructure;

/// <summary>Locations in this repository, found by walking up from the test assembly to EdgeML.Build.sln.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string DigitsModels => Path.Combine(Root, "samples", "Digits", "models");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeML.Build.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"EdgeML.Build.sln not found above {AppContext.BaseDirectory}");
    }
}
