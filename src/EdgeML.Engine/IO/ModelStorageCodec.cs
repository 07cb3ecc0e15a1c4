using System.IO.Compression;
using EdgeML.Engine.Recipes;
using EdgeML.Runtime;

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
        ModelStorage.Brotli => BrotliModel.Expand(stored),
        _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, null),
    };

    private static byte[] Compress(byte[] model)
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(model.Length)];
        return BrotliEncoder.TryCompress(model, buffer, out var written, BrotliQuality, BrotliWindowBits)
            ? buffer[..written]
            : throw new InvalidOperationException("Brotli output exceeded its documented maximum length");
    }
}
