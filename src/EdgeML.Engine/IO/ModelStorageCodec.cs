using System.Buffers;
using System.IO.Compression;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.IO;

/// <summary>
/// How a model's bytes are stored in the assembly (<see cref="ModelStorage"/>): as they are, or Brotli-compressed.
/// Pruned weights are runs of exact zeros, which Brotli shrinks to almost nothing.
/// </summary>
public static class ModelStorageCodec
{
    // Encoding runs once per build, decoding at every load: the slowest, densest setting costs nothing at run time.
    private const int BrotliQuality = 11;
    private const int BrotliWindowBits = 24;

    /// <summary>The file extension of a model stored this way: <c>.onnx</c> or <c>.onnx.br</c>.</summary>
    public static string FileExtension(ModelStorage storage) => storage switch
    {
        ModelStorage.Raw => ".onnx",
        ModelStorage.Brotli => ".onnx.br",
        _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, null),
    };

    /// <summary>The bytes to embed for <paramref name="model"/>; for <see cref="ModelStorage.Raw"/>, the same array.</summary>
    public static byte[] Encode(byte[] model, ModelStorage storage) => storage switch
    {
        ModelStorage.Raw => model,
        ModelStorage.Brotli => Compress(model),
        _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, null),
    };

    /// <summary>The model's bytes back from what <see cref="Encode"/> produced; throws <see cref="InvalidDataException"/> on corrupt or truncated Brotli data.</summary>
    public static byte[] Decode(byte[] stored, ModelStorage storage) => storage switch
    {
        ModelStorage.Raw => stored,
        ModelStorage.Brotli => Decompress(stored),
        _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, null),
    };

    private static byte[] Compress(byte[] model)
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(model.Length)];
        return BrotliEncoder.TryCompress(model, buffer, out var written, BrotliQuality, BrotliWindowBits)
            ? buffer[..written]
            : throw new InvalidOperationException("Brotli output exceeded its documented maximum length");
    }

    // BrotliDecoder rather than BrotliStream: the stream silently returns what it has when the data is cut short.
    private static byte[] Decompress(byte[] stored)
    {
        using var decoder = new BrotliDecoder();
        using var output = new MemoryStream(stored.Length * 4);
        var buffer = new byte[64 * 1024];
        var source = stored.AsSpan();
        while (true)
        {
            var status = decoder.Decompress(source, buffer, out var consumed, out var written);
            output.Write(buffer, 0, written);
            source = source[consumed..];
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
