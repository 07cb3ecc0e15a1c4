namespace EdgeML.Worker;

/// <summary>What one `edgeml optimize` invocation is asked to do.</summary>
internal sealed record OptimizeRequest(IReadOnlyList<string> Recipes, string OutputDirectory, string CacheDirectory, string? DefaultNamespace, bool GenerateOnly);
