namespace EdgeML.Build.Tests.Infrastructure;

/// <summary>
/// The EdgeML.Build and EdgeML.Runtime packages as a user gets them, packed once per test run into a local
/// folder feed with a version unique to the run, restored into a package folder of the run's own. Packages
/// already on the machine (ONNX Runtime) are found through a fallback folder instead of downloaded again.
/// </summary>
internal static class TestPackages
{
    private static readonly Lazy<string> PackedFeed = new(Pack);

    public static string Version { get; } = $"0.1.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}";

    public static string WorkRoot { get; } = Path.Combine(Path.GetTempPath(), "edgeml-e2e", Version);

    public static string Feed => PackedFeed.Value;

    public static string PackagesFolder => Path.Combine(WorkRoot, "packages");

    public static string MachinePackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>A nuget.config that adds the run's feed to the machine's sources.</summary>
    public static string NuGetConfig => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <config>
            <add key="globalPackagesFolder" value="{PackagesFolder}" />
          </config>
          <packageSources>
            <add key="edgeml-e2e" value="{Feed}" />
          </packageSources>
          <fallbackPackageFolders>
            <add key="machine" value="{MachinePackagesFolder}" />
          </fallbackPackageFolders>
        </configuration>
        """;

    private static string Pack()
    {
        var feed = Path.Combine(WorkRoot, "feed");
        foreach (var project in new[] { "src/EdgeML.Runtime/EdgeML.Runtime.csproj", "src/EdgeML.Build.Sdk/EdgeML.Build.Sdk.csproj" })
        {
            DotNet.Run(RepositoryPaths.Root, "pack", project, "-c", "Release", "-o", feed, $"-p:Version={Version}", "-nr:false")
                .AssertSucceeded($"packing {project}");
        }

        return feed;
    }
}
