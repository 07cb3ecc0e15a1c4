using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Calibration;

/// <summary>
/// A histogram of a tensor's values over [-Limit, Limit] with a fixed number of equal bins, built batch by
/// batch. When a value falls outside, the limit doubles and each pair of neighbouring bins merges into one:
/// the old edges stay edges, so re-binning is exact and memory never grows with the data. The price is
/// resolution: the bins span up to twice the largest magnitude seen. The exact minimum and maximum are kept
/// too, so ranges read from the bins never exceed what was observed. Non-finite values are not counted.
/// </summary>
public sealed class ValueHistogram
{
    /// <summary>Enough bins that a bulk of values 100× narrower than its outliers still spans dozens of bins.</summary>
    public const int DefaultBinCount = 8192;

    private readonly long[] _counts;

    public ValueHistogram(int binCount = DefaultBinCount)
    {
        if (binCount < 4 || binCount % 4 != 0)
        {
            // A multiple of 4 keeps 0 and ±Limit/2 on edges, so doubling the limit merges whole bins.
            throw new ArgumentOutOfRangeException(nameof(binCount), binCount, "The bin count must be a positive multiple of 4.");
        }

        _counts = new long[binCount];
    }

    /// <summary>Half the width the bins span; 0 until a non-zero value arrives.</summary>
    public double Limit { get; private set; }

    public double BinWidth => 2 * Limit / _counts.Length;

    public ReadOnlySpan<long> Counts => _counts;

    public long Total { get; private set; }

    /// <summary>The exact extremes of the counted values.</summary>
    public TensorRange Observed { get; private set; } = TensorRange.Empty;

    public void Add(ReadOnlySpan<float> values)
    {
        var batch = TensorRange.Empty;
        foreach (var value in values)
        {
            if (float.IsFinite(value))
            {
                batch = batch.Include(value, value);
            }
        }

        if (batch == TensorRange.Empty)
        {
            return;
        }

        Grow(Math.Max(-batch.Min, batch.Max));
        Observed = Observed.Include(batch.Min, batch.Max);
        foreach (var value in values)
        {
            if (float.IsFinite(value))
            {
                _counts[BinOf(value)]++;
                Total++;
            }
        }
    }

    /// <summary>The value at the lower edge of bin <paramref name="bin"/> (<see cref="Counts"/>.Length gives the upper limit).</summary>
    public double Edge(int bin) => -Limit + (bin * BinWidth);

    private int BinOf(float value) =>
        Limit == 0 ? _counts.Length / 2 : Math.Clamp((int)((value + Limit) / BinWidth), 0, _counts.Length - 1);

    private void Grow(float magnitude)
    {
        if (Limit == 0)
        {
            // Zeros counted before the first non-zero value sit in the bin just above 0, which stays that bin.
            Limit = magnitude;
            return;
        }

        while (magnitude > Limit)
        {
            MergeNeighbours();
            Limit *= 2;
        }
    }

    /// <summary>Halves the resolution around 0: the new bins are the old ones pairwise, packed towards the centre.</summary>
    private void MergeNeighbours()
    {
        var half = _counts.Length / 2;
        var quarter = half / 2;
        var merged = new long[_counts.Length];
        for (var i = 0; i < half; i++)
        {
            // Old bin pairs (2i, 2i+1) of the lower half land at quarter + i; the upper half mirrors it.
            merged[(i / 2) + quarter] += _counts[i];
            merged[half + (i / 2)] += _counts[half + i];
        }

        merged.CopyTo(_counts, 0);
    }
}
