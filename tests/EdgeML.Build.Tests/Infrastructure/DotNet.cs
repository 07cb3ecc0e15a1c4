namespace EdgeML.Build.Tests.Infrastructure;

/// <summary>
/// Runs the `dotnet` CLI the way a user's shell would: no node reuse, no telemetry, and none of the MSBuild
/// variables that the test host inherits from the `dotnet test` that started it.
/// </summary>
internal static class DotNet
{
    public static ProcessResult Run(string workingDirectory, params string[] arguments)
    {
        var environment = new Dictionary<string, string?>
        {
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        };
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(IsInheritedBuildVariable))
        {
            environment[name] = null;
        }

        return ProcessRunner.Run("dotnet", arguments, workingDirectory, environment);
    }

    private static bool IsInheritedBuildVariable(string name) =>
        name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) && !name.Equals("MSBUILDDISABLENODEREUSE", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase);
}
