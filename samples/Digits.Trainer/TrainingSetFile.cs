using System.IO.Compression;

namespace Digits.Trainer;

/// <summary>The committed training set: gzip of records <c>[label byte][784 pixel bytes]</c>, pixel byte = round(value × 255).
/// The package's pixels are k/255 rounded to 3 decimals, so the bytes lose nothing.</summary>
internal static class TrainingSetFile
{
    private const int RecordLength = 1 + DigitSet.PixelCount;

    public static void Write(DigitSet set, string path)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.SmallestSize);
        var record = new byte[RecordLength];
        for (var i = 0; i < set.Count; i++)
        {
            record[0] = set.Labels[i];
            var image = set.Image(i);
            for (var p = 0; p < DigitSet.PixelCount; p++)
            {
                record[1 + p] = (byte)MathF.Round(image[p] * 255f);
            }

            gzip.Write(record);
        }
    }

    public static DigitSet Read(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        var data = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        if (data.Length % RecordLength != 0)
        {
            throw new InvalidDataException($"'{path}' holds {data.Length} bytes, not a whole number of {RecordLength}-byte records");
        }

        var count = data.Length / RecordLength;
        var labels = new byte[count];
        var pixels = new float[count * DigitSet.PixelCount];
        for (var i = 0; i < count; i++)
        {
            var record = data.Slice(i * RecordLength, RecordLength);
            labels[i] = record[0];
            for (var p = 0; p < DigitSet.PixelCount; p++)
            {
                pixels[i * DigitSet.PixelCount + p] = record[1 + p] / 255f;
            }
        }

        return new DigitSet(pixels, labels);
    }
}
