namespace EdgeML.Engine.Pruning.Structured;

/// <summary><see cref="Count"/> consecutive channels of a tensor, from <see cref="Offset"/> on, that belong to coupled group <see cref="Group"/>.</summary>
internal sealed record GroupSpan(int Group, int Offset, int Count);

/// <summary>
/// Which coupled groups a tensor's channel axis is made of. A producer's output is one span; a Concat lines
/// spans up one after the other; a Flatten turns each channel into a block of <see cref="Block"/> features; a
/// split into attention heads turns each run of <see cref="HeadSize"/> channels into one index of a head axis.
/// </summary>
internal sealed record ChannelLayout(IReadOnlyList<GroupSpan> Spans, int Axis, int Block)
{
    public static ChannelLayout Of(int group, int channels, int axis) => new([new GroupSpan(group, 0, channels)], axis, 1);

    /// <summary>Channels per index along <see cref="Axis"/>: the head size on a head axis, else 1.</summary>
    public int HeadSize { get; init; } = 1;

    /// <summary>Length of the channel axis (before any Flatten or head split).</summary>
    public int Channels => Spans.Sum(s => s.Count);

    /// <summary>Length of the axis in elements: channels times their blocks, or heads.</summary>
    public int Length => Channels * Block / HeadSize;

    public IEnumerable<int> Groups => Spans.Select(s => s.Group);

    /// <summary>
    /// The indices along the axis that survive, ascending; groups missing from <paramref name="kept"/> stay whole.
    /// On a head axis a head survives with its channels, which selection keeps or drops together.
    /// </summary>
    public int[] KeptIndices(IReadOnlyDictionary<int, int[]> kept)
    {
        var indices = new List<int>(Length);
        foreach (var span in Spans)
        {
            foreach (var channel in kept.TryGetValue(span.Group, out var channels) ? channels : Enumerable.Range(0, span.Count))
            {
                var position = span.Offset + channel;
                if (position % HeadSize == 0)
                {
                    indices.AddRange(Enumerable.Range(position / HeadSize * Block, Block));
                }
            }
        }

        return [.. indices];
    }

    public ChannelLayout WithGroups(Func<int, int> map) =>
        this with { Spans = Spans.Select(s => s with { Group = map(s.Group) }).ToArray() };
}
