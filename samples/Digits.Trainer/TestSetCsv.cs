using System.Globalization;
using System.Text;

namespace Digits.Trainer;

/// <summary>The held-out digits as CSV, <c>label,p0,…,p783</c>, pixels in [0, 1] exactly as the model takes them.
/// The build's accuracy gate reads this file, and so does the trainer, so both score the same inputs.</summary>
internal static class TestSetCsv
{
    public static void Write(DigitSet set, string path)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', Enumerable.Range(0, DigitSet.PixelCount).Select(p => $"p{p}").Prepend("label")).Append('\n');
        for (var i = 0; i < set.Count; i++)
        {
            text.Append(set.Labels[i].ToString(CultureInfo.InvariantCulture));
            foreach (var pixel in set.Image(i))
            {
                // "0.###" writes 0 as "0" and keeps the package's 3 decimals, which keeps the file small.
                text.Append(',').Append(pixel.ToString("0.###", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        File.WriteAllText(path, text.ToString());
    }

    public static DigitSet Read(string path)
    {
        var lines = File.ReadAllLines(path).Skip(1).Where(line => line.Length > 0).ToList();
        var labels = new byte[lines.Count];
        var pixels = new float[lines.Count * DigitSet.PixelCount];
        for (var i = 0; i < lines.Count; i++)
        {
            var fields = lines[i].Split(',');
            if (fields.Length != 1 + DigitSet.PixelCount)
            {
                throw new InvalidDataException($"'{path}' row {i + 1} has {fields.Length} fields, expected {1 + DigitSet.PixelCount}");
            }

            labels[i] = byte.Parse(fields[0], CultureInfo.InvariantCulture);
            for (var p = 0; p < DigitSet.PixelCount; p++)
            {
                pixels[i * DigitSet.PixelCount + p] = float.Parse(fields[1 + p], CultureInfo.InvariantCulture);
            }
        }

        return new DigitSet(pixels, labels);
    }
}
