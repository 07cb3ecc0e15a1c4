namespace Digits.Trainer;

/// <summary>The fixed train/test split: of each digit, every fifth image in package order, up to 100 of them
/// (indices 0, 5, …, 495), is held out for testing; all others train. No randomness, so the converter always makes
/// the same files.</summary>
internal static class DigitSplit
{
    public const int TestImagesPerDigit = 100;
    private const int TestStride = 5;

    public static (DigitSet Train, DigitSet Test) Split(IReadOnlyList<float[]>[] imagesByDigit)
    {
        var train = new List<(byte, float[])>();
        var test = new List<(byte, float[])>();
        for (var digit = 0; digit < imagesByDigit.Length; digit++)
        {
            var images = imagesByDigit[digit];
            if (images.Count < TestStride * TestImagesPerDigit)
            {
                throw new InvalidDataException($"digit {digit} has {images.Count} images, the split needs at least {TestStride * TestImagesPerDigit}");
            }

            for (var i = 0; i < images.Count; i++)
            {
                var heldOut = i % TestStride == 0 && i / TestStride < TestImagesPerDigit;
                (heldOut ? test : train).Add(((byte)digit, images[i]));
            }
        }

        return (DigitSet.Concatenate(train), DigitSet.Concatenate(test));
    }
}
