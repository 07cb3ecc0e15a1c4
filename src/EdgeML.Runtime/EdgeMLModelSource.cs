using System.Globalization;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Runtime;

/// <summary>
/// Where a model comes from: an embedded resource, bytes in memory or a file. Nothing is read until a session
/// opens it, so a fallback model costs nothing unless it is needed.
/// </summary>
public sealed record EdgeMLModelSource
{
    /// <summary>The folder-like prefix of the manifest resources EdgeML.Build embeds models under.</summary>
    private const string ResourcePrefix = "EdgeML/";

    private readonly Func<EdgeMLModelSource, SessionOptions, InferenceSession> _open;

    private EdgeMLModelSource(string name, string description, Func<EdgeMLModelSource, SessionOptions, InferenceSession> open)
    {
        Name = name;
        Description = description;
        _open = open;
    }

    /// <summary>The model's short name, e.g. <c>digits</c>; metrics and logs tag runs with it.</summary>
    public string Name { get; }

    /// <summary>The model's version, if the application knows it, e.g. <c>source with { Version = "1.2" }</c>; metrics and logs tag runs with it.</summary>
    public string? Version { get; init; }

    /// <summary>How error messages refer to the model, e.g. <c>the resource 'EdgeML/digits.onnx' of MyApp</c>.</summary>
    internal string Description { get; }

    /// <summary>
    /// A model that an assembly embeds as a manifest resource. A name ending in <c>.br</c> is Brotli-compressed
    /// and expanded at load. When the build embedded a manifest beside the model, the model is checked against
    /// the SHA-256 recorded there before ONNX Runtime sees it, and the source takes the manifest's version.
    /// </summary>
    /// <param name="assembly">The assembly that holds the resource, usually the one of the generated class.</param>
    /// <param name="resourceName">The manifest resource name, e.g. <c>EdgeML/digits.onnx</c>; the model is named after its file name.</param>
    /// <returns>The source; the model is read when a session opens it.</returns>
    public static EdgeMLModelSource FromEmbeddedResource(Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        var manifest = EdgeMLModelManifest.FromEmbeddedResource(assembly, resourceName);
        return new EdgeMLModelSource(
            NameOf(resourceName),
            $"the resource '{resourceName}' of {assembly.GetName().Name}",
            (source, sessionOptions) => new InferenceSession(ReadVerified(source, assembly, resourceName, manifest), sessionOptions))
        {
            Version = manifest?.ModelVersion,
        };
    }

    /// <summary>A model held in memory.</summary>
    /// <param name="model">The ONNX model file's contents; the source keeps a reference, not a copy.</param>
    /// <param name="name">The model's short name, e.g. <c>digits</c>.</param>
    /// <returns>The source.</returns>
    public static EdgeMLModelSource FromBytes(byte[] model, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new EdgeMLModelSource(name, $"the model '{name}'", (_, sessionOptions) => new InferenceSession(model, sessionOptions));
    }

    /// <summary>A model delivered after the build, whose signed update package <see cref="EdgeMLModelUpdate.Verify"/> accepted.</summary>
    /// <param name="update">The verified update; the source is named and versioned after it.</param>
    /// <returns>The source.</returns>
    public static EdgeMLModelSource FromVerifiedUpdate(EdgeMLVerifiedUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return FromBytes(update.Model, update.ModelName) with { Version = update.Version.ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary>A model in an ONNX file.</summary>
    /// <param name="path">The model file; the model is named after its file name.</param>
    /// <returns>The source; the file is read when a session opens it.</returns>
    public static EdgeMLModelSource FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new EdgeMLModelSource(NameOf(path), $"the model '{path}'", (_, sessionOptions) => new InferenceSession(path, sessionOptions));
    }

    /// <summary>The model's name and version, e.g. <c>digits 1.2</c>.</summary>
    /// <returns>A short description for logs.</returns>
    public override string ToString() => Version is null ? Name : $"{Name} {Version}";

    /// <summary>Loads the model into a new ONNX Runtime session; throws <see cref="EdgeMLModelLoadException"/> when it cannot.</summary>
    internal InferenceSession Open(SessionOptions sessionOptions)
    {
        try
        {
            return _open(this, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeMLModelLoadException($"ONNX Runtime cannot load {Description}: {e.Message}", e);
        }
    }

    private static string NameOf(string fileName) =>
        Path.GetFileNameWithoutExtension(BrotliModel.StripSuffix(fileName.Replace('\\', '/')));

    private static byte[] ReadVerified(EdgeMLModelSource source, Assembly assembly, string resourceName, EdgeMLModelManifest? manifest)
    {
        byte[] model;
        using (var stream = assembly.GetManifestResourceStream(resourceName) ?? throw MissingResource(assembly, resourceName))
        {
            model = new byte[stream.Length];
            stream.ReadExactly(model);
        }

        try
        {
            if (BrotliModel.IsCompressed(resourceName))
            {
                model = BrotliModel.Expand(model);
            }

            manifest?.VerifyIntegrity(model);
            return model;
        }
        catch (Exception e) when (e is InvalidDataException or EdgeMLIntegrityException)
        {
            EdgeMLTelemetry.RecordIntegrityFailure(source, e is InvalidDataException ? "corrupt_compression" : "hash_mismatch");
            throw e as EdgeMLIntegrityException ?? new EdgeMLIntegrityException($"{source.Description} is damaged: {e.Message}");
        }
    }

    private static EdgeMLModelLoadException MissingResource(Assembly assembly, string resourceName)
    {
        var models = assembly.GetManifestResourceNames().Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        var available = models.Length == 0
            ? "It embeds no EdgeML models; does the project reference EdgeML.Build and have a recipe?"
            : $"It embeds: {string.Join(", ", models)}.";
        return new EdgeMLModelLoadException($"The assembly {assembly.GetName().Name} has no model resource '{resourceName}'. {available}");
    }
}
