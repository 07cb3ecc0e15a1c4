using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace EdgeML.Build.Tasks;

/// <summary>
/// Finds the <c>dotnet</c> host: an explicit property first, then the host running this build
/// (DOTNET_HOST_PATH, which the .NET SDK sets for tool tasks), then PATH.
/// </summary>
internal static class DotNetHost
{
    private static string ExecutableName => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";

    public static string? Find(string? configuredPath)
    {
        if (!string.IsNullOrEmpty(configuredPath) && File.Exists(configuredPath))
        {
            return configuredPath;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator)
            .Where(folder => folder.Length > 0)
            .Select(folder => Path.Combine(folder, ExecutableName))
            .FirstOrDefault(File.Exists);
    }
}
