using System.Diagnostics;
using EdgeML.Engine.Data;
using EdgeML.Engine.Inference;

namespace EdgeML.Engine.Evaluation;

/// <summary>Single-sample latency on the build machine, in milliseconds.</summary>
public sealed record LatencyStats(double P50Milliseconds, double P95Milliseconds, int Runs);

/// <summary>
/// Measures single-sample inference latency with a bounded budget: a few warm-up runs, then up to
/// <see cref="MaxRuns"/> timed runs or <see cref="Budget"/> of wall time, whichever ends first, so that a
/// large model does not make every build slow.
/// </summary>
public static class LatencyProbe
{
    public const int WarmupRuns = 5;
    public const int MaxRuns = 200;
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    public static LatencyStats Measure(ModelRunner runner, LabeledDataset data)
    {
        for (var i = 0; i < WarmupRuns; i++)
        {
            runner.RunSingle(data, i % data.Count);
        }

        var timings = new List<double>(MaxRuns);
        var total = Stopwatch.StartNew();
        while (timings.Count < MaxRuns && (timings.Count < 10 || total.Elapsed < Budget))
        {
            var sample = timings.Count % data.Count;
            var start = Stopwatch.GetTimestamp();
            runner.RunSingle(data, sample);
            timings.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        timings.Sort();
        return new LatencyStats(Percentile(timings, 0.50), Percentile(timings, 0.95), timings.Count);
    }

    private static double Percentile(List<double> sorted, double fraction) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
}
