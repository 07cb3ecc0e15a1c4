using System.Security.Cryptography;
using System.Text;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// A content-addressed store of optimization results, keyed by the hashes of everything that determines
/// them (engine version, recipe, model, data). Entries are written to a temporary folder and renamed into
/// place, so concurrent builds (multi-targeting, parallel projects) and interrupted builds never see a
/// partial entry; only successful results are stored, so a failure never poisons the cache.
/// </summary>
public sealed class OptimizationCache(string directory)
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The key of the recipe's result: the engine, the recipe text, and the contents of every file it reads — the
    /// recipe's own and the <paramref name="modelDataFiles"/> that hold the model's external tensor data.
    /// </summary>
    public static string ComputeKey(Recipe recipe, IEnumerable<string>? modelDataFiles = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, $"engine:{EngineInfo.Version}");
        Append(hash, $"recipe:{File.ReadAllText(recipe.FilePath)}");
        // Paths relative to the recipe: an image's class folder is its label, and moving the project keeps the key.
        var folder = Path.GetDirectoryName(recipe.FilePath)!;
        foreach (var file in recipe.InputFiles.Concat(modelDataFiles ?? []).Distinct(StringComparer.Ordinal))
        {
            Append(hash, $"file:{Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/')}");
            using var stream = File.OpenRead(file);
            hash.AppendData(SHA256.HashData(stream));
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>
    /// Holds the key's lock until disposed, so that builds of the same model running side by side (the inner
    /// builds of a multi-targeted project) optimize it once: the later one waits, then finds the entry.
    /// </summary>
    public IDisposable Lock(string key)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{key}.lock");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (waited.Elapsed < LockTimeout)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>The files of a stored result, by name, or null when there is none.</summary>
    public IReadOnlyDictionary<string, string>? TryGet(string key)
    {
        // Entries appear by a rename of their complete folder, so an existing folder is a complete entry.
        var entry = Path.Combine(directory, key);
        return Directory.Exists(entry)
            ? new DirectoryInfo(entry).EnumerateFiles().ToDictionary(file => file.Name, file => file.FullName, StringComparer.Ordinal)
            : null;
    }

    /// <summary>Stores a successful result's files; if another build stored the same key first, its entry is kept.</summary>
    public void Put(string key, IReadOnlyDictionary<string, byte[]> files)
    {
        var entry = Path.Combine(directory, key);
        var staging = Path.Combine(directory, $"{key}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var (name, bytes) in files)
            {
                File.WriteAllBytes(Path.Combine(staging, name), bytes);
            }

            Directory.Move(staging, entry);
        }
        catch (IOException) when (Directory.Exists(entry))
        {
            // Another build won the race with an identical result.
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static void Append(IncrementalHash hash, string text)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        hash.AppendData([0]);
    }
}
