using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Calibration;

/// <summary>
/// <c>method: entropy</c>: the threshold whose quantization loses the least information, as TensorRT and ONNX
/// Runtime's entropy calibrator choose it. For each candidate threshold t (symmetric around 0, on bin edges of
/// a <see cref="ValueHistogram"/>), the reference distribution P is the histogram inside [-t, t] with the
/// clipped values added to its two edge bins; Q is the same bins merged into as many groups as quantization
/// has levels and spread back evenly over the bins that held values. The range is the t that minimizes the
/// KL divergence D(P‖Q), intersected with the observed range (so a non-negative tensor gets [0, t]).
/// </summary>
public sealed class EntropyCollector(int binCount = ValueHistogram.DefaultBinCount) : IRangeCollector
{
    /// <summary>Levels the candidate quantization has over [-t, t]; ONNX Runtime's default, a coarse stand-in for int8.</summary>
    public const int QuantizedBins = 128;

    /// <summary>Stands in for an empty Q bin where P is not empty: clipping must cost, but not infinitely.</summary>
    private const double Epsilon = 1e-4;

    private readonly ValueHistogram _histogram = new(binCount);

    public ValueHistogram Histogram => _histogram;

    public void Add(ReadOnlySpan<float> values) => _histogram.Add(values);

    public TensorRange Range()
    {
        if (_histogram.Total == 0 || _histogram.Limit == 0)
        {
            return _histogram.Observed;
        }

        var counts = _histogram.Counts;
        var cumulative = new long[counts.Length + 1];
        for (var i = 0; i < counts.Length; i++)
        {
            cumulative[i + 1] = cumulative[i] + counts[i];
        }

        var centre = counts.Length / 2;
        var best = centre;
        var bestDivergence = double.PositiveInfinity;
        var reference = new double[counts.Length];
        for (var halfWidth = QuantizedBins / 2; halfWidth <= centre; halfWidth++)
        {
            var divergence = Divergence(counts, cumulative, centre - halfWidth, 2 * halfWidth, reference);
            if (divergence < bestDivergence)
            {
                bestDivergence = divergence;
                best = halfWidth;
            }
        }

        var threshold = best * _histogram.BinWidth;
        var observed = _histogram.Observed;
        return new TensorRange((float)Math.Max(-threshold, observed.Min), (float)Math.Min(threshold, observed.Max));
    }

    /// <summary>
    /// D(P‖Q) for the window of <paramref name="length"/> bins from <paramref name="start"/>;
    /// <paramref name="cumulative"/>[i] is the count of the bins below i.
    /// </summary>
    private static double Divergence(ReadOnlySpan<long> counts, long[] cumulative, int start, int length, double[] scratch)
    {
        var p = scratch.AsSpan(0, length);
        for (var i = 0; i < length; i++)
        {
            p[i] = counts[start + i];
        }

        // Clipped values pile up at the edges of the reference: that is what clipping does to them.
        p[0] += cumulative[start];
        p[^1] += cumulative[^1] - cumulative[start + length];

        double pTotal = 0, qTotal = 0, crossTerm = 0, selfTerm = 0;
        for (var group = 0; group < QuantizedBins; group++)
        {
            var from = group * length / QuantizedBins;
            var to = (group + 1) * length / QuantizedBins;
            var mass = cumulative[start + to] - cumulative[start + from];
            var occupied = 0;
            for (var i = from; i < to; i++)
            {
                occupied += p[i] > 0 ? 1 : 0;
            }

            for (var i = from; i < to; i++)
            {
                var q = p[i] > 0 && mass > 0 ? (double)mass / occupied : Epsilon;
                qTotal += q;
                if (p[i] > 0)
                {
                    pTotal += p[i];
                    selfTerm += p[i] * Math.Log(p[i]);
                    crossTerm += p[i] * Math.Log(q);
                }
            }
        }

        // Σ (p/P) ln((p/P) / (q/Q)), expanded so that P and Q need not be known up front.
        return ((selfTerm - crossTerm) / pTotal) - Math.Log(pTotal) + Math.Log(qTotal);
    }
}
