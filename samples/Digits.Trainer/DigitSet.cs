namespace Digits.Trainer;

/// <summary>Labeled 28×28 digits, pixels in [0, 1], stored row after row in one array so batches slice it without copying.</summary>
internal sealed class DigitSet
{
    public const int PixelCount = 28 * 28;
    public const int ClassCount = 10;

    public DigitSet(float[] pixels, byte[] labels)
    {
        if (pixels.Length != labels.Length * PixelCount)
        {
            throw new ArgumentException($"{labels.Length} labels need {labels.Length * PixelCount} pixels, got {pixels.Length}", nameof(pixels));
        }

        Pixels = pixels;
        Labels = labels;
    }

    public float[] Pixels { get; }

    public byte[] Labels { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * PixelCount, PixelCount);

    /// <summary>The fraction of digits whose predicted class equals the label.</summary>
    public double Accuracy(IReadOnlyList<int> predictions) =>
        (double)Labels.Where((label, i) => label == predictions[i]).Count() / Count;

    public static DigitSet Concatenate(IReadOnlyList<(byte Label, float[] Image)> digits) =>
        new(digits.SelectMany(d => d.Image).ToArray(), digits.Select(d => d.Label).ToArray());
}
