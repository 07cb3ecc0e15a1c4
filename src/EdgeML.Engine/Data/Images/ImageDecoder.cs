using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;
using StbImageSharp;

namespace EdgeML.Engine.Data.Images;

/// <summary>
/// Decodes PNG, JPEG, BMP, GIF (its first frame) and TGA files with StbImageSharp, a managed port of stb_image,
/// into 8-bit RGB or grayscale (luma of the colours; alpha dropped). A file it cannot decode is an
/// <see cref="DiagnosticCodes.DataMalformed"/> error at the file.
/// </summary>
public static class ImageDecoder
{
    public static DecodedImage Decode(string path, ImageChannels channels)
    {
        var bytes = ReadAllBytes(path);
        var grayscale = channels == ImageChannels.Grayscale;
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(bytes, grayscale ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A port of C code: a corrupt file may fail with any exception, not only the InvalidOperationException it reports errors with.
            throw new EdgeMLException(DiagnosticCodes.DataMalformed, $"'{path}' is not a readable image: {e.Message}", new SourceLocation(path));
        }

        return new DecodedImage(image.Width, image.Height, grayscale ? 1 : 3, image.Data);
    }

    private static byte[] ReadAllBytes(string path)
    {
        using var stream = DataFile.Open(path);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
