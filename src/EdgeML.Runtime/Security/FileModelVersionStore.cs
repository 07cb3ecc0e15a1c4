using System.Text.Json;

namespace EdgeML.Runtime;

/// <summary>
/// A version store in a small JSON file (<c>{"model name": version}</c>). Every change replaces the file
/// atomically, so a crash or power loss leaves either the old or the new versions, never a torn file. A file
/// that cannot be read is an error, not an empty store: silently forgetting versions would re-open rollbacks.
/// Safe for concurrent use within one process; give each process its own file.
/// </summary>
public sealed class FileModelVersionStore : IEdgeMLModelVersionStore
{
    private readonly string _path;
    private readonly object _gate = new();
    private Dictionary<string, long> _versions;

    /// <summary>Opens the store, reading the file if it exists.</summary>
    /// <param name="path">The store's file; its folder is created on the first write.</param>
    /// <exception cref="InvalidDataException">The file exists but is not a version store.</exception>
    public FileModelVersionStore(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _path = Path.GetFullPath(path);
        _versions = File.Exists(_path) ? Read(_path) : new Dictionary<string, long>(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public long? GetVersion(string modelName)
    {
        lock (_gate)
        {
            return _versions.TryGetValue(modelName, out var version) ? version : null;
        }
    }

    /// <inheritdoc/>
    public void SetVersion(string modelName, long version)
    {
        lock (_gate)
        {
            // Memory changes only once the file has: a failed write leaves both at the old versions.
            var updated = new Dictionary<string, long>(_versions, StringComparer.Ordinal) { [modelName] = version };
            Write(JsonSerializer.SerializeToUtf8Bytes(updated, SecurityJsonContext.Default.DictionaryStringInt64));
            _versions = updated;
        }
    }

    private static Dictionary<string, long> Read(string path)
    {
        try
        {
            var versions = JsonSerializer.Deserialize(File.ReadAllBytes(path), SecurityJsonContext.Default.DictionaryStringInt64)
                ?? throw new JsonException("the file holds 'null'");
            return new Dictionary<string, long>(versions, StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the model version store '{path}' is corrupt: {e.Message}", e);
        }
    }

    private void Write(byte[] json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temporary = $"{_path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(json);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
