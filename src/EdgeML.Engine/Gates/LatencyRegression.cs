using System.Globalization;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Gates;

/// <summary>
/// A compressed model that runs slower than the original on the build machine is never accepted silently: with
/// no latency gate in the recipe to judge it, the build warns. (Quantized models slower than float are a common
/// surprise on CPUs without fast integer instructions.)
/// </summary>
public static class LatencyRegression
{
    /// <summary>How much slower than the original counts as slower: single-sample timings jitter by a few percent.</summary>
    public const double Tolerance = 1.10;

    public static Diagnostic? Check(Measurements measured, GateSpec gates, SourceLocation location)
    {
        if (gates.Latency is not null || measured.LatencyRatio is not { } ratio || ratio <= Tolerance)
        {
            return null;
        }

        return new Diagnostic(DiagnosticCodes.LatencySlowerThanOriginal, Severity.Warning, string.Create(CultureInfo.InvariantCulture,
            $"the compressed model is {ratio:0.00}× slower than the original on this machine (p95 {measured.CompressedLatency!.P95Milliseconds:0.000} ms vs {measured.OriginalLatency!.P95Milliseconds:0.000} ms); add a latency gate (e.g. 'latency: {{ max_ratio: 1.0 }}') to fail the build instead"),
            location);
    }
}
