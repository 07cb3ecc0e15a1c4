using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeML.Runtime;

/// <summary>
/// What the build recorded about an embedded model: its SHA-256, versions, and golden samples to self-test
/// with. EdgeML.Build embeds it beside the model as <c>EdgeML/&lt;recipe id&gt;.manifest.json</c>.
/// </summary>
public sealed class EdgeMLModelManifest
{
    /// <summary>The manifest format this version of the runtime reads and writes.</summary>
    public const int CurrentFormatVersion = 1;

    private const string ModelExtension = ".onnx";
    private const string ManifestExtension = ".manifest.json";

    /// <summary>Creates a manifest.</summary>
    /// <param name="formatVersion">The manifest format; must be <see cref="CurrentFormatVersion"/>.</param>
    /// <param name="recipeId">The id of the recipe that built the model.</param>
    /// <param name="modelSha256">The model's SHA-256 as 64 lowercase hex digits.</param>
    /// <param name="modelVersion">The model's version, or <see langword="null"/> when the recipe gives none.</param>
    /// <param name="engineVersion">The version of EdgeML.Build that compressed the model.</param>
    /// <param name="goldenSamples">Inputs and outputs of the model recorded on the build machine; may be empty.</param>
    /// <exception cref="ArgumentException">The format version is unknown or the hash is not lowercase SHA-256 hex.</exception>
    [JsonConstructor]
    public EdgeMLModelManifest(int formatVersion, string recipeId, string modelSha256, string? modelVersion, string engineVersion, IReadOnlyList<EdgeMLGoldenSample> goldenSamples)
    {
        ArgumentNullException.ThrowIfNull(recipeId);
        ArgumentNullException.ThrowIfNull(modelSha256);
        ArgumentNullException.ThrowIfNull(engineVersion);
        ArgumentNullException.ThrowIfNull(goldenSamples);
        if (formatVersion != CurrentFormatVersion)
        {
            throw new ArgumentException($"manifest format {formatVersion} is not supported; this runtime reads format {CurrentFormatVersion}.", nameof(formatVersion));
        }

        if (modelSha256.Length != 64 || !modelSha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{modelSha256}' is not a SHA-256 in lowercase hex.", nameof(modelSha256));
        }

        FormatVersion = formatVersion;
        RecipeId = recipeId;
        ModelSha256 = modelSha256;
        ModelVersion = modelVersion;
        EngineVersion = engineVersion;
        GoldenSamples = goldenSamples.ToArray();
    }

    /// <summary>The manifest format, <see cref="CurrentFormatVersion"/>.</summary>
    public int FormatVersion { get; }

    /// <summary>The id of the recipe that built the model.</summary>
    public string RecipeId { get; }

    /// <summary>The model's SHA-256 as 64 lowercase hex digits.</summary>
    public string ModelSha256 { get; }

    /// <summary>The model's version, or <see langword="null"/> when the recipe gives none.</summary>
    public string? ModelVersion { get; }

    /// <summary>The version of EdgeML.Build that compressed the model.</summary>
    public string EngineVersion { get; }

    /// <summary>Inputs and outputs of the model recorded on the build machine.</summary>
    public IReadOnlyList<EdgeMLGoldenSample> GoldenSamples { get; }

    /// <summary>The manifest resource name that belongs to a model resource: <c>EdgeML/x.onnx</c> → <c>EdgeML/x.manifest.json</c>.</summary>
    /// <param name="modelResourceName">The model's manifest resource name.</param>
    /// <returns>The manifest's resource name.</returns>
    public static string ResourceNameFor(string modelResourceName)
    {
        ArgumentNullException.ThrowIfNull(modelResourceName);
        var model = BrotliModel.StripSuffix(modelResourceName);
        var stem = model.EndsWith(ModelExtension, StringComparison.OrdinalIgnoreCase)
            ? model[..^ModelExtension.Length]
            : model;
        return stem + ManifestExtension;
    }

    /// <summary>Reads the manifest embedded beside a model.</summary>
    /// <param name="assembly">The assembly that embeds the model.</param>
    /// <param name="modelResourceName">The model's manifest resource name, e.g. <c>EdgeML/digits.onnx</c>.</param>
    /// <returns>The manifest, or <see langword="null"/> when the assembly embeds none for the model.</returns>
    /// <exception cref="InvalidDataException">The manifest is not valid.</exception>
    public static EdgeMLModelManifest? FromEmbeddedResource(Assembly assembly, string modelResourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using var stream = assembly.GetManifestResourceStream(ResourceNameFor(modelResourceName));
        if (stream is null)
        {
            return null;
        }

        var json = new byte[stream.Length];
        stream.ReadExactly(json);
        return Parse(json);
    }

    /// <summary>Reads a manifest from its UTF-8 JSON.</summary>
    /// <param name="json">The manifest file's contents.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="InvalidDataException">The JSON is malformed, lacks a field, or has a format version this runtime does not read.</exception>
    public static EdgeMLModelManifest Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, SecurityJsonContext.Default.EdgeMLModelManifest)
                ?? throw new InvalidDataException("the model manifest is 'null'.");
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"the model manifest is not valid: {e.Message}", e);
        }
    }

    /// <summary>The manifest as compact UTF-8 JSON, as <see cref="Parse"/> reads it.</summary>
    /// <returns>The JSON bytes.</returns>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, SecurityJsonContext.Default.EdgeMLModelManifest);

    /// <summary>Checks that <paramref name="model"/> is the model this manifest describes, byte for byte.</summary>
    /// <param name="model">The model's bytes, e.g. as read from the embedded resource.</param>
    /// <exception cref="EdgeMLIntegrityException">The model's SHA-256 differs from <see cref="ModelSha256"/>.</exception>
    public void VerifyIntegrity(ReadOnlySpan<byte> model)
    {
        var actual = Sha256Hex.Of(model);
        if (actual != ModelSha256)
        {
            throw new EdgeMLIntegrityException(
                $"the model '{RecipeId}' does not match its manifest: its SHA-256 is {actual}, the manifest records {ModelSha256}. The model was altered after the build, or the manifest belongs to another model.");
        }
    }
}
