using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EdgeML.Runtime;

/// <summary>
/// The byte layout of a signed model update, written by the signer (EdgeML.Engine) and read by
/// <see cref="EdgeMLModelUpdate"/>, defined once here:
/// <c>"EDGEMLU1" | header length (uint32 LE) | header JSON (UTF-8) | model | ECDSA P-256 signature (64 bytes, r‖s)</c>.
/// The signature covers every byte before it, so the magic and the header are as tamper-proof as the model.
/// </summary>
internal static class UpdatePackage
{
    public const int FormatVersion = 1;

    /// <summary>An ECDSA P-256 signature in IEEE P1363 form: r and s, 32 bytes each.</summary>
    public const int SignatureLength = 64;

    // A header is a few hundred bytes; the cap keeps a hostile length from making a device parse megabytes.
    private const int MaxHeaderLength = 16 * 1024;

    private static ReadOnlySpan<byte> Magic => "EDGEMLU1"u8;

    private static int PrefixLength => Magic.Length + sizeof(uint);

    public static byte[] Write(ReadOnlySpan<byte> model, string name, long version, ECDsa signingKey)
    {
        var header = new UpdatePackageHeader(FormatVersion, name, version, Sha256Hex.Of(model), model.Length, EdgeMLTrustedKey.IdOf(signingKey));
        var headerJson = JsonSerializer.SerializeToUtf8Bytes(header, SecurityJsonContext.Default.UpdatePackageHeader);
        var package = new byte[PrefixLength + headerJson.Length + model.Length + SignatureLength];
        var span = package.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[Magic.Length..], (uint)headerJson.Length);
        headerJson.CopyTo(span[PrefixLength..]);
        model.CopyTo(span[(PrefixLength + headerJson.Length)..]);

        var signed = span[..^SignatureLength];
        var written = signingKey.SignData(signed, span[^SignatureLength..], HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        if (written != SignatureLength)
        {
            throw new CryptographicException($"the signing key produced a {written}-byte signature; update packages are signed with ECDSA P-256 (64 bytes).");
        }

        return package;
    }

    /// <summary>Splits a package into its parts without trusting any of them; throws a <see cref="EdgeMLUpdateRejectionReason.Malformed"/> rejection.</summary>
    public static Parts Read(ReadOnlySpan<byte> package)
    {
        if (package.Length < PrefixLength + SignatureLength || !package.StartsWith(Magic))
        {
            throw Malformed("it does not start with the EDGEMLU1 magic, or is too short to be an update package");
        }

        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(package[Magic.Length..]);
        if (headerLength > MaxHeaderLength || PrefixLength + headerLength > package.Length - SignatureLength)
        {
            throw Malformed($"its header length {headerLength} does not fit the package");
        }

        var headerJson = package.Slice(PrefixLength, (int)headerLength);
        UpdatePackageHeader header;
        try
        {
            header = JsonSerializer.Deserialize(headerJson, SecurityJsonContext.Default.UpdatePackageHeader)
                ?? throw new JsonException("the header is 'null'");
        }
        catch (JsonException e)
        {
            throw Malformed($"its header is not valid JSON: {e.Message}");
        }

        if (header.FormatVersion != FormatVersion || header.Name is null || header.ModelSha256 is null || header.KeyId is null)
        {
            throw Malformed($"its header is not an update package header of format {FormatVersion}: '{Encoding.UTF8.GetString(headerJson)}'");
        }

        var modelStart = PrefixLength + (int)headerLength;
        if (header.ModelLength != package.Length - SignatureLength - modelStart)
        {
            throw Malformed($"its header announces {header.ModelLength} model bytes; the package holds {package.Length - SignatureLength - modelStart}");
        }

        return new Parts(header, modelStart, (int)header.ModelLength);
    }

    private static EdgeMLUpdateRejectedException Malformed(string why) =>
        new(EdgeMLUpdateRejectionReason.Malformed, $"the update package is malformed: {why}.");

    /// <summary>Where things are in a package; the signed bytes are all but the last <see cref="SignatureLength"/>.</summary>
    public readonly record struct Parts(UpdatePackageHeader Header, int ModelStart, int ModelLength);
}
