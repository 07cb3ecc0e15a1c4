using System.Collections.Concurrent;

namespace EdgeML.Runtime;

/// <summary>A version store that forgets everything when the process ends; for tests and for one-off verification.</summary>
public sealed class InMemoryModelVersionStore : IEdgeMLModelVersionStore
{
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public long? GetVersion(string modelName) => _versions.TryGetValue(modelName, out var version) ? version : null;

    /// <inheritdoc/>
    public void SetVersion(string modelName, long version) => _versions[modelName] = version;
}
