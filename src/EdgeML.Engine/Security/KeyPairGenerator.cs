using System.Security.Cryptography;
using EdgeML.Engine.Diagnostics;
using EdgeML.Runtime;

namespace EdgeML.Engine.Security;

/// <summary>
/// Creates a new ECDSA P-256 key pair for signing model updates: the private key as PKCS#8 PEM, readable
/// only by the current user on Unix, and the public key as SubjectPublicKeyInfo PEM, to embed in apps.
/// </summary>
public static class KeyPairGenerator
{
    /// <summary>Writes the two key files; refuses when either exists, so a key in use is never replaced by accident.</summary>
    /// <returns>The new key's id, as update packages and <c>edgeml verify</c> show it.</returns>
    public static string Generate(string privateKeyPath, string publicKeyPath)
    {
        foreach (var path in new[] { privateKeyPath, publicKeyPath })
        {
            if (File.Exists(path))
            {
                throw new EdgeMLException(DiagnosticCodes.KeyFileExists,
                    $"'{path}' already exists; keygen never overwrites a key (packages signed with it would stop verifying). Choose another path or delete the file first");
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Create(privateKeyPath, key.ExportPkcs8PrivateKeyPem(), userOnly: true);
        Create(publicKeyPath, key.ExportSubjectPublicKeyInfoPem(), userOnly: false);
        return EdgeMLTrustedKey.IdOf(key);
    }

    private static void Create(string path, string pem, bool userOnly)
    {
        // CreateNew: a file that appeared since the check above is not overwritten either. The mode is set at
        // creation, so the private key is never readable by others, not even for a moment.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (userOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
            writer.Write(pem);
            writer.Write('\n');
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new EdgeMLException(DiagnosticCodes.KeyFileExists, $"'{path}' already exists; keygen never overwrites a key");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMLException(DiagnosticCodes.OutputWriteFailed, $"cannot write '{path}': {e.Message}");
        }
    }
}
