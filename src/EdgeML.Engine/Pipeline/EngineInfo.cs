using System.Reflection;

namespace EdgeML.Engine.Pipeline;

/// <summary>The engine's identity; part of every cache key, so a new engine never reuses an old engine's results.</summary>
public static class EngineInfo
{
    public static string Version { get; } =
        typeof(EngineInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
