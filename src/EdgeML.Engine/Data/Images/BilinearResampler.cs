using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Data.Images;

/// <summary>
/// Resizes an image with bilinear interpolation, pixel centres aligned (OpenCV's <c>INTER_LINEAR</c> and
/// PyTorch's <c>align_corners=False</c>; no antialiasing when shrinking), into one float plane per channel. At the
/// image's own size it copies the pixels unchanged.
/// </summary>
internal static class BilinearResampler
{
    /// <param name="image">The decoded image.</param>
    /// <param name="size">The target size.</param>
    /// <param name="mode">Stretch to the size, or cover it keeping the aspect ratio and cut the centre out.</param>
    /// <param name="sourceComponents">For each output plane, the interleaved component of the image it reads.</param>
    /// <param name="planes">The output: <c>sourceComponents.Length</c> planes of height × width values, 0–255.</param>
    public static void Resample(DecodedImage image, ImageSize size, ResizeMode mode, ReadOnlySpan<int> sourceComponents, Span<float> planes)
    {
        var scaleY = (double)image.Height / size.Height;
        var scaleX = (double)image.Width / size.Width;
        if (mode == ResizeMode.CenterCrop)
        {
            // The smaller source-per-target step is the one that still covers the target along both axes.
            scaleY = scaleX = Math.Min(scaleY, scaleX);
        }

        var rows = Taps(image.Height, size.Height, scaleY);
        var columns = Taps(image.Width, size.Width, scaleX);
        var planeLength = size.Height * size.Width;
        for (var plane = 0; plane < sourceComponents.Length; plane++)
        {
            var output = planes.Slice(plane * planeLength, planeLength);
            var component = sourceComponents[plane];
            for (var y = 0; y < size.Height; y++)
            {
                var (top, bottom, down) = rows[y];
                for (var x = 0; x < size.Width; x++)
                {
                    var (left, right, across) = columns[x];
                    var upper = Lerp(image.At(top, left, component), image.At(top, right, component), across);
                    var lower = Lerp(image.At(bottom, left, component), image.At(bottom, right, component), across);
                    output[(y * size.Width) + x] = Lerp(upper, lower, down);
                }
            }
        }
    }

    private static float Lerp(float from, float to, float weight) => from + (weight * (to - from));

    /// <summary>
    /// For each target index, the two source indices around its centre and the weight of the second. The target
    /// is centred on the source, which matters when cropping, where it spans less than the whole source.
    /// </summary>
    private static Tap[] Taps(int sourceLength, int targetLength, double step)
    {
        var offset = (sourceLength - (targetLength * step)) / 2;
        var taps = new Tap[targetLength];
        for (var i = 0; i < targetLength; i++)
        {
            var centre = Math.Clamp(offset + ((i + 0.5) * step) - 0.5, 0, sourceLength - 1);
            var first = (int)centre;
            taps[i] = new Tap(first, Math.Min(first + 1, sourceLength - 1), (float)(centre - first));
        }

        return taps;
    }

    private readonly record struct Tap(int First, int Second, float Weight);
}
