using System.Security.Cryptography;

namespace EdgeML.Runtime;

/// <summary>Loads the public key an app trusts to sign its model updates.</summary>
public static class EdgeMLTrustedKey
{
    /// <summary>Reads an ECDSA P-256 public key from PEM (<c>-----BEGIN PUBLIC KEY-----</c>), as <c>edgeml keygen</c> writes it.</summary>
    /// <param name="pem">The PEM text.</param>
    /// <returns>The key; dispose it when done.</returns>
    /// <exception cref="ArgumentException">
    /// The text holds no public key, holds a private key (an app must never ship one), or the key is not ECDSA P-256.
    /// </exception>
    public static ECDsa FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new ArgumentException("the text holds no PEM block.");
        }

        var label = pem.AsSpan()[fields.Label];
        if (label.Contains("PRIVATE", StringComparison.Ordinal))
        {
            throw new ArgumentException($"the PEM holds a {label}; an app must trust only the public key (edgeml keygen writes it to --public-key).");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            EnsureP256(key);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new ArgumentException($"the PEM is not an ECDSA P-256 public key: {e.Message}", e);
        }
    }

    /// <summary>A short, stable id of a key: the first 8 bytes of the SHA-256 of its public key (SubjectPublicKeyInfo), in hex.</summary>
    /// <param name="key">A public or private ECDSA key; only its public part is used.</param>
    /// <returns>16 lowercase hex digits.</returns>
    public static string IdOf(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Sha256Hex.Of(key.ExportSubjectPublicKeyInfo())[..16];
    }

    /// <summary>Throws <see cref="CryptographicException"/> unless the key is on the NIST P-256 curve, the only one update packages use.</summary>
    internal static void EnsureP256(ECDsa key)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (!curve.IsNamed || curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new CryptographicException($"the key is on the curve {curve.Oid.FriendlyName ?? curve.Oid.Value ?? "(unnamed)"}, not NIST P-256.");
        }
    }
}
