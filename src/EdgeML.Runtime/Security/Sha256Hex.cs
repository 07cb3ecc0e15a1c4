using System.Security.Cryptography;

namespace EdgeML.Runtime;

/// <summary>The one way models are fingerprinted, in manifests and update packages alike: SHA-256 as lowercase hex.</summary>
internal static class Sha256Hex
{
    public static string Of(ReadOnlySpan<byte> data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();
}
