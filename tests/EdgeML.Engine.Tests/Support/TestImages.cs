using StbImageWriteSharp;

namespace EdgeML.Engine.Tests.Support;

/// <summary>Writes small PNG, BMP and JPEG files (by the path's extension) from a function of each pixel.</summary>
internal static class TestImages
{
    /// <summary>An RGB image; <paramref name="pixel"/> gets (row, column).</summary>
    public static string Rgb(string path, int height, int width, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var data = new byte[height * width * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(y, x);
                data[(((y * width) + x) * 3) + 0] = r;
                data[(((y * width) + x) * 3) + 1] = g;
                data[(((y * width) + x) * 3) + 2] = b;
            }
        }

        return Write(path, data, height, width, ColorComponents.RedGreenBlue);
    }

    /// <summary>A one-channel image; <paramref name="pixel"/> gets (row, column).</summary>
    public static string Gray(string path, int height, int width, Func<int, int, byte> pixel)
    {
        var data = new byte[height * width];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = pixel(i / width, i % width);
        }

        return Write(path, data, height, width, ColorComponents.Grey);
    }

    private static string Write(string path, byte[] data, int height, int width, ColorComponents components)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        var writer = new ImageWriter();
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".png":
                writer.WritePng(data, width, height, components, stream);
                break;
            case ".bmp":
                writer.WriteBmp(data, width, height, components, stream);
                break;
            case ".jpg" or ".jpeg":
                writer.WriteJpg(data, width, height, components, stream, quality: 95);
                break;
            default:
                throw new ArgumentException($"no writer for '{path}'", nameof(path));
        }

        return path;
    }
}
