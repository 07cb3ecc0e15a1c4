using EdgeML.Engine.Calibration;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Calibration;

[TestClass]
public sealed class RangeCollectorTests
{
    /// <summary>200,000 standard normal values, <paramref name="outliers"/> of them replaced by ±500, fed in batches of 1,000.</summary>
    private static TensorRange Collect(IRangeCollector collector, int outliers = 10)
    {
        var values = RandomData.Normal(200_000);
        for (var i = 0; i < outliers; i++)
        {
            values[(i * 19_997) + 5] = i % 2 == 0 ? 500f : -500f;
        }

        for (var start = 0; start < values.Length; start += 1_000)
        {
            collector.Add(values.AsSpan(start, 1_000));
        }

        return collector.Range();
    }

    [TestMethod]
    public void MinMaxKeepsTheOutliers()
    {
        Assert.AreEqual(new TensorRange(-500f, 500f), Collect(new MinMaxCollector()));
    }

    [TestMethod]
    public void PercentileClipsTheTailsToTheBulk()
    {
        var range = Collect(new PercentileCollector(99.99));

        // The 0.01% tails of a standard normal start at ±3.72; bins round outwards by at most one width.
        Assert.IsGreaterThan(3.5f, range.Max);
        Assert.IsLessThan(4.2f, range.Max);
        Assert.IsLessThan(-3.5f, range.Min);
        Assert.IsGreaterThan(-4.2f, range.Min);
    }

    [TestMethod]
    public void DefaultPercentileClipsOutliersRarerThanOneInAHundredThousandPerSide()
    {
        var range = Collect(new PercentileCollector(CalibrationSpec.DefaultPercentile), outliers: 2);

        Assert.IsLessThan(10f, range.Max);
        Assert.IsGreaterThan(-10f, range.Min);
    }

    [TestMethod]
    public void EntropyChoosesAThresholdNearTheBulk()
    {
        var range = Collect(new EntropyCollector());

        Assert.IsLessThan(10f, range.Max, $"entropy range {range}");
        Assert.IsGreaterThan(2f, range.Max, $"entropy range {range}");
        Assert.AreEqual(-range.Max, range.Min, "symmetric for a symmetric distribution");
    }

    [TestMethod]
    public void EntropyOfAReluOutputStartsAtZero()
    {
        var collector = new EntropyCollector();
        collector.Add(RandomData.Normal(50_000).Select(v => Math.Max(v, 0f)).ToArray());

        var range = collector.Range();

        Assert.AreEqual(0f, range.Min);
        Assert.IsGreaterThan(1f, range.Max);
    }

    [TestMethod]
    public void RangesAreDeterministic()
    {
        Assert.AreEqual(Collect(new EntropyCollector()), Collect(new EntropyCollector()));
        Assert.AreEqual(Collect(new PercentileCollector(99.9)), Collect(new PercentileCollector(99.9)));
    }

    [TestMethod]
    public void HistogramMemoryDoesNotGrowWithTheData()
    {
        var histogram = new ValueHistogram();
        histogram.Add([0.5f]);
        Assert.AreEqual(ValueHistogram.DefaultBinCount, histogram.Counts.Length);

        var values = RandomData.Normal(100_000);
        for (var round = 1; round <= 10; round++)
        {
            histogram.Add(values.Select(v => v * round * round).ToArray());
        }

        Assert.AreEqual(ValueHistogram.DefaultBinCount, histogram.Counts.Length);
        Assert.AreEqual(1_000_001L, histogram.Total);
    }

    [TestMethod]
    public void GrowingTheRangeMergesBinsExactly()
    {
        var histogram = new ValueHistogram(binCount: 8);
        float[] values = [0.9f, -0.9f, 0.1f, -0.35f, 0f];
        histogram.Add(values);
        histogram.Add([3f]);

        Assert.AreEqual(3.6, histogram.Limit, 1e-6, "0.9 doubled until 3 fits");
        // Bins of 0.9 from -3.6: [-0.9, 0) holds -0.9 and -0.35; [0, 0.9] holds 0, 0.1 and 0.9 (the old top edge); 3 is in the last.
        CollectionAssert.AreEqual(new long[] { 0, 0, 0, 2, 3, 0, 0, 1 }, histogram.Counts.ToArray());
        Assert.AreEqual(6L, histogram.Total);
        Assert.AreEqual(new TensorRange(-0.9f, 3f), histogram.Observed);
    }

    [TestMethod]
    public void NonFiniteValuesAreIgnored()
    {
        var collector = new PercentileCollector(99.9);
        collector.Add([1f, float.NaN, float.PositiveInfinity, -2f]);

        Assert.AreEqual(2L, collector.Histogram.Total);
        Assert.AreEqual(new TensorRange(-2f, 1f), collector.Range());
    }
}
