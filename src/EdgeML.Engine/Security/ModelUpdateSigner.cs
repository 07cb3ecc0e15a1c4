using System.Security.Cryptography;
using EdgeML.Engine.Diagnostics;
using EdgeML.Runtime;

namespace EdgeML.Engine.Security;

/// <summary>
/// Makes signed over-the-air update packages (format in docs/security.md) that
/// <see cref="EdgeMLModelUpdate.Verify"/> accepts on devices that trust the signing key's public half.
/// </summary>
public static class ModelUpdateSigner
{
    /// <param name="model">The ONNX model's bytes.</param>
    /// <param name="name">The model's name, which devices may check against the model they expect.</param>
    /// <param name="version">The model's version, at least 1; each update must carry a higher one than the last.</param>
    /// <param name="privateKey">An ECDSA P-256 private key, e.g. from <see cref="SigningKeys.LoadPrivate"/>.</param>
    /// <returns>The package's bytes.</returns>
    public static byte[] Sign(ReadOnlySpan<byte> model, string name, long version, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new EdgeMLException(DiagnosticCodes.UpdateMetadataInvalid, "an update needs a model name (--name)");
        }

        if (version < 1)
        {
            throw new EdgeMLException(DiagnosticCodes.UpdateMetadataInvalid, $"the update version must be a whole number of at least 1, not {version}");
        }

        EdgeMLTrustedKey.EnsureP256(privateKey);
        return UpdatePackage.Write(model, name, version, privateKey);
    }
}
