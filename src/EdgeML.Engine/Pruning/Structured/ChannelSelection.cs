namespace EdgeML.Engine.Pruning.Structured;

/// <summary>Which channels of a group survive.</summary>
internal static class ChannelSelection
{
    /// <summary>
    /// Removes the least important <paramref name="ratio"/> share of the channels (rounded down, at least one kept);
    /// the survivors in ascending order.
    /// </summary>
    public static int[] Keep(IReadOnlyList<double> scores, double ratio)
    {
        var removed = Math.Min((int)Math.Floor(scores.Count * ratio), scores.Count - 1);
        return Enumerable.Range(0, scores.Count)
            .OrderByDescending(c => scores[c]).ThenBy(c => c)
            .Take(scores.Count - removed)
            .Order()
            .ToArray();
    }
}
