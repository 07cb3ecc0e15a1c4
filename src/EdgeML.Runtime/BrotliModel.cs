using System.Buffers;
using System.IO.Compression;

namespace EdgeML.Runtime;

/// <summary>
/// Models embedded Brotli-compressed (the recipe's <c>storage: brotli</c>, which pays off for pruned models): a
/// resource name ending in <c>.br</c>, expanded when loaded.
/// </summary>
internal static class BrotliModel
{
    public const string Suffix = ".br";

    public static bool IsCompressed(string resourceName) => resourceName.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase);

    public static string StripSuffix(string resourceName) => IsCompressed(resourceName) ? resourceName[..^Suffix.Length] : resourceName;

    /// <summary>The model's bytes; <see cref="InvalidDataException"/> when the data is corrupt or cut short.</summary>
    // BrotliDecoder rather than BrotliStream: the stream silently returns what it has when the data is cut short.
    public static byte[] Expand(ReadOnlySpan<byte> compressed)
    {
        using var decoder = new BrotliDecoder();
        using var output = new MemoryStream(compressed.Length * 4);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var status = decoder.Decompress(compressed, buffer, out var consumed, out var written);
            output.Write(buffer, 0, written);
            compressed = compressed[consumed..];
            switch (status)
            {
                case OperationStatus.Done:
                    return output.ToArray();
                case OperationStatus.DestinationTooSmall:
                    continue;
                default:
                    throw new InvalidDataException($"the Brotli data is {(status == OperationStatus.NeedMoreData ? "truncated" : "corrupt")}");
            }
        }
    }
}
