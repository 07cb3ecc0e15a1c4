using System.Security.Cryptography;
using EdgeML.Engine.Diagnostics;
using EdgeML.Runtime;

namespace EdgeML.Engine.Security;

/// <summary>
/// Reads the ECDSA P-256 keys that sign and verify model updates, from PEM files or, for the private key on
/// CI machines, from the <see cref="EnvironmentVariable"/> secret. Key material is never logged or written:
/// errors name where a key came from, never what it holds.
/// </summary>
public static class SigningKeys
{
    /// <summary>The environment variable that holds the private key's PEM when no key file is given.</summary>
    public const string EnvironmentVariable = "EDGEML_SIGNING_KEY";

    /// <summary>Loads the private key from <paramref name="pemPath"/>, or from <see cref="EnvironmentVariable"/> when it is null.</summary>
    public static ECDsa LoadPrivate(string? pemPath)
    {
        if (pemPath is not null)
        {
            return PrivateFromPem(ReadPem(pemPath), $"the key file '{pemPath}'");
        }

        var pem = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(pem))
        {
            throw new EdgeMLException(DiagnosticCodes.SigningKeyMissing,
                $"no signing key: pass --key <private.pem>, or set the environment variable {EnvironmentVariable} to the private key's PEM text");
        }

        return PrivateFromPem(pem, $"the environment variable {EnvironmentVariable}");
    }

    /// <summary>Loads the public key that verifies packages from a PEM file.</summary>
    public static ECDsa LoadPublic(string pemPath)
    {
        var pem = ReadPem(pemPath);
        try
        {
            return EdgeMLTrustedKey.FromPem(pem);
        }
        catch (ArgumentException e)
        {
            throw Unreadable($"the key file '{pemPath}'", e.Message);
        }
    }

    private static string ReadPem(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMLException(DiagnosticCodes.KeyUnreadable, $"cannot read the key file '{path}': {e.Message}");
        }
    }

    private static ECDsa PrivateFromPem(string pem, string source)
    {
        var key = ECDsa.Create();
        try
        {
            // ImportFromPem takes the first key it finds, public or private; a public one cannot sign.
            key.ImportFromPem(pem);
            EdgeMLTrustedKey.EnsureP256(key);
            key.ExportParameters(includePrivateParameters: true);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw Unreadable(source, $"it is not an unencrypted ECDSA P-256 private key in PEM ({e.Message})");
        }
    }

    private static EdgeMLException Unreadable(string source, string why) =>
        new(DiagnosticCodes.KeyUnreadable, $"{source} does not hold a usable key: {why}");
}
