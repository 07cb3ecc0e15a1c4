namespace EdgeML.Engine.Pruning;

/// <summary>Zeroes the values of smallest magnitude, exactly as many as asked, over one tensor or several pooled.</summary>
internal static class MagnitudeSelection
{
    /// <summary>
    /// Sets the <paramref name="count"/> values of smallest magnitude across <paramref name="tensors"/> to zero.
    /// Values already zero are the smallest, so they count towards <paramref name="count"/>.
    /// </summary>
    public static void ZeroSmallest(IReadOnlyList<float[]> tensors, int count)
    {
        if (count <= 0)
        {
            return;
        }

        var magnitudes = tensors.SelectMany(values => values).Select(MathF.Abs).ToArray();
        Array.Sort(magnitudes);
        var threshold = magnitudes[count - 1];

        // Ties at the threshold are zeroed in order until the count is reached, so the count is exact.
        var tiesToZero = count - magnitudes.Take(count).Count(magnitude => magnitude < threshold);
        foreach (var values in tensors)
        {
            for (var i = 0; i < values.Length; i++)
            {
                var magnitude = MathF.Abs(values[i]);
                if (magnitude == threshold && tiesToZero > 0)
                {
                    tiesToZero--;
                    values[i] = 0f;
                }
                else if (magnitude < threshold)
                {
                    values[i] = 0f;
                }
            }
        }
    }
}
