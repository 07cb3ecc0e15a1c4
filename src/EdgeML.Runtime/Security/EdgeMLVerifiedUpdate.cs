namespace EdgeML.Runtime;

/// <summary>A model update whose signature, hash, name and version have been checked; safe to install.</summary>
public sealed class EdgeMLVerifiedUpdate
{
    internal EdgeMLVerifiedUpdate(string modelName, long version, string modelSha256, byte[] model)
    {
        ModelName = modelName;
        Version = version;
        ModelSha256 = modelSha256;
        Model = model;
    }

    /// <summary>The model's name as signed.</summary>
    public string ModelName { get; }

    /// <summary>The model's version as signed.</summary>
    public long Version { get; }

    /// <summary>The model's SHA-256 in lowercase hex.</summary>
    public string ModelSha256 { get; }

    /// <summary>The ONNX model's bytes, a copy independent of the package; load them with <see cref="EdgeMLSession.FromBytes"/>.</summary>
    public byte[] Model { get; }
}
