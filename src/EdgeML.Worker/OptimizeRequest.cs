namespace EdgeML.Worker;

/// <summary>What one `edgeml optimize` invocation is asked to do.</summary>
/// <remarks>
/// With <c>SignUpdates</c>, each recipe that passes also gets a signed update package (docs/security.md),
/// signed with the key at <c>SigningKeyPath</c>, or from the EDGEML_SIGNING_KEY environment variable when null.
/// </remarks>
internal sealed record OptimizeRequest(
    IReadOnlyList<string> Recipes,
    string OutputDirectory,
    string CacheDirectory,
    string? DefaultNamespace,
    bool GenerateOnly,
    bool SignUpdates = false,
    string? SigningKeyPath = null);
