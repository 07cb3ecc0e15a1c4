namespace EdgeML.Engine.Pruning.Structured;

/// <summary>Which channels of a group survive.</summary>
internal static class ChannelSelection
{
    /// <summary>
    /// Removes the least important <paramref name="ratio"/> share of the group's units — channels, or whole attention
    /// heads of <paramref name="headSize"/> channels, scored by the sum of their channels' scores — rounded down, at
    /// least one kept; the surviving channels in ascending order.
    /// </summary>
    public static int[] Keep(IReadOnlyList<double> scores, double ratio, int headSize)
    {
        var units = scores.Count / headSize;
        var unitScores = Enumerable.Range(0, units).Select(u => Enumerable.Range(u * headSize, headSize).Sum(c => scores[c])).ToArray();
        var removed = Math.Min((int)Math.Floor(units * ratio), units - 1);
        return Enumerable.Range(0, units)
            .OrderByDescending(u => unitScores[u]).ThenBy(u => u)
            .Take(units - removed)
            .Order()
            .SelectMany(u => Enumerable.Range(u * headSize, headSize))
            .ToArray();
    }
}
