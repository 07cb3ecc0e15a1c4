using System.Security.Cryptography;

namespace EdgeML.Runtime;

/// <summary>
/// Checks signed over-the-air model updates (packages made by <c>edgeml sign</c>, format in docs/security.md)
/// before a device installs them.
/// </summary>
public static class EdgeMLModelUpdate
{
    /// <summary>
    /// Verifies an update package and, when it passes, records its version in <paramref name="versionStore"/>
    /// so that neither it nor any older package is accepted again.
    /// </summary>
    /// <param name="package">The package's bytes.</param>
    /// <param name="trustedPublicKey">The ECDSA P-256 public key the app trusts, e.g. from <see cref="EdgeMLTrustedKey.FromPem"/>.</param>
    /// <param name="versionStore">The versions installed so far, by model name.</param>
    /// <param name="expectedModelName">The model the app expects; <see langword="null"/> accepts any name.</param>
    /// <returns>The verified model, name and version.</returns>
    /// <exception cref="EdgeMLUpdateRejectedException">The package must not be installed; its <see cref="EdgeMLUpdateRejectedException.Reason"/> says why.</exception>
    /// <exception cref="CryptographicException">The trusted key is not an ECDSA P-256 key.</exception>
    public static EdgeMLVerifiedUpdate Verify(ReadOnlySpan<byte> package, ECDsa trustedPublicKey, IEdgeMLModelVersionStore versionStore, string? expectedModelName = null)
    {
        ArgumentNullException.ThrowIfNull(trustedPublicKey);
        ArgumentNullException.ThrowIfNull(versionStore);
        EdgeMLTrustedKey.EnsureP256(trustedPublicKey);

        var parts = UpdatePackage.Read(package);
        var header = parts.Header;
        var model = package.Slice(parts.ModelStart, parts.ModelLength);

        // The header is not trusted yet; these two checks only name the problem better than "bad signature" would.
        var trustedId = EdgeMLTrustedKey.IdOf(trustedPublicKey);
        if (header.KeyId != trustedId)
        {
            throw Reject(EdgeMLUpdateRejectionReason.UntrustedKey, header, $"it was signed with the key {header.KeyId}, but the app trusts only {trustedId}");
        }

        var actualHash = Sha256Hex.Of(model);
        if (actualHash != header.ModelSha256)
        {
            throw Reject(EdgeMLUpdateRejectionReason.ModelHashMismatch, header, $"the model's SHA-256 is {actualHash}, the signed header says {header.ModelSha256}: the model was altered");
        }

        var signed = package[..^UpdatePackage.SignatureLength];
        var signature = package[^UpdatePackage.SignatureLength..];
        if (!trustedPublicKey.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw Reject(EdgeMLUpdateRejectionReason.BadSignature, header, "its signature does not match its contents: the header or the signature was altered, or the package is forged");
        }

        // From here on the header is authentic.
        if (expectedModelName is not null && header.Name != expectedModelName)
        {
            throw Reject(EdgeMLUpdateRejectionReason.WrongModelName, header, $"it holds the model '{header.Name}', not '{expectedModelName}'");
        }

        if (versionStore.GetVersion(header.Name) is { } installed && header.Version <= installed)
        {
            throw Reject(EdgeMLUpdateRejectionReason.NotNewer, header, $"its version {header.Version} is not newer than the installed version {installed} (rollback protection)");
        }

        versionStore.SetVersion(header.Name, header.Version);
        return new EdgeMLVerifiedUpdate(header.Name, header.Version, actualHash, model.ToArray());
    }

    private static EdgeMLUpdateRejectedException Reject(EdgeMLUpdateRejectionReason reason, UpdatePackageHeader header, string why) =>
        new(reason, $"the update of '{header.Name}' to version {header.Version} was rejected: {why}.");
}
