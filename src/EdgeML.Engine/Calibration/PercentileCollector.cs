using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Calibration;

/// <summary>
/// <c>method: percentile</c>: clips each tail of the value distribution. With percentile p, the range runs from
/// the (100 − p)th to the pth percentile of the tensor's values, read from a <see cref="ValueHistogram"/> at bin
/// resolution (rounded outwards), so a few extreme values no longer stretch the range the bulk is quantized in.
/// </summary>
public sealed class PercentileCollector : IRangeCollector
{
    private readonly ValueHistogram _histogram;
    private readonly double _percentile;

    /// <param name="percentile">Greater than 50 and at most 100; 100 gives the min-max range.</param>
    /// <param name="binCount">Bins of the histogram.</param>
    public PercentileCollector(double percentile, int binCount = ValueHistogram.DefaultBinCount)
    {
        if (percentile is <= 50 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile must be greater than 50 and at most 100.");
        }

        _percentile = percentile;
        _histogram = new ValueHistogram(binCount);
    }

    public ValueHistogram Histogram => _histogram;

    public void Add(ReadOnlySpan<float> values) => _histogram.Add(values);

    public TensorRange Range()
    {
        if (_histogram.Total == 0 || _histogram.Limit == 0)
        {
            return _histogram.Observed;
        }

        // Values each tail may lose.
        var clipped = _histogram.Total * (100 - _percentile) / 100;
        var counts = _histogram.Counts;
        var low = 0;
        var below = counts[low];
        while (below <= clipped)
        {
            below += counts[++low];
        }

        var high = counts.Length - 1;
        var above = counts[high];
        while (above <= clipped)
        {
            above += counts[--high];
        }

        var observed = _histogram.Observed;
        return new TensorRange(
            (float)Math.Max(_histogram.Edge(low), observed.Min),
            (float)Math.Min(_histogram.Edge(high + 1), observed.Max));
    }
}
