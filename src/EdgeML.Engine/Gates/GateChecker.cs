using System.Globalization;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Gates;

/// <summary>Checks every limit the recipe's gates set against the measurements.</summary>
public static class GateChecker
{
    public static IReadOnlyList<GateResult> Check(GateSpec gates, Measurements measured)
    {
        var results = new List<GateResult>();
        if (gates.Accuracy is { } accuracy && measured.CompressedAccuracy is { } compressedAccuracy)
        {
            if (accuracy.Min is { } min)
            {
                results.Add(AtLeast("accuracy.min", DiagnosticCodes.GateAccuracy, compressedAccuracy, min,
                    $"accuracy gate failed: the compressed model's top-1 accuracy {F(compressedAccuracy)} is below the minimum {F(min.Value)}"));
            }

            if (accuracy.MaxDrop is { } maxDrop && measured.OriginalAccuracy is { } originalAccuracy)
            {
                var drop = originalAccuracy - compressedAccuracy;
                results.Add(AtMost("accuracy.max_drop", DiagnosticCodes.GateAccuracy, drop, maxDrop,
                    $"accuracy gate failed: top-1 accuracy dropped by {F(drop)} (from {F(originalAccuracy)} to {F(compressedAccuracy)}), more than max_drop {F(maxDrop.Value)}"));
            }
        }

        if (gates.Agreement is { } agreement && measured.Agreement is { } agreed)
        {
            results.Add(AtLeast("agreement.min", DiagnosticCodes.GateAgreement, agreed, agreement.Min,
                $"agreement gate failed: the compressed model predicts the original's class on {F(agreed)} of the samples, below the minimum {F(agreement.Min.Value)}"));
        }

        if (gates.Size is { } size)
        {
            if (size.MaxBytes is { } maxBytes)
            {
                results.Add(AtMost("size.max", DiagnosticCodes.GateSize, measured.EmbeddedBytes, new Located<double>(maxBytes.Value, maxBytes.Location),
                    $"size gate failed: the embedded model is {Bytes(measured.EmbeddedBytes)}, above the maximum {Bytes(maxBytes.Value)}"));
            }

            if (size.MaxRatio is { } maxRatio)
            {
                results.Add(AtMost("size.max_ratio", DiagnosticCodes.GateSize, measured.SizeRatio, maxRatio,
                    $"size gate failed: the embedded model is {F(measured.SizeRatio)} of the original's size ({Bytes(measured.EmbeddedBytes)} of {Bytes(measured.OriginalBytes)}), above max_ratio {F(maxRatio.Value)}"));
            }
        }

        if (gates.Latency is { } latency && measured.CompressedLatency is { } compressedLatency)
        {
            if (latency.P95MaxMilliseconds is { } p95Max)
            {
                results.Add(AtMost("latency.p95_max", DiagnosticCodes.GateLatency, compressedLatency.P95Milliseconds, p95Max,
                    $"latency gate failed: the compressed model's p95 latency is {Ms(compressedLatency.P95Milliseconds)}, above p95_max {Ms(p95Max.Value)}"));
            }

            if (latency.MaxRatio is { } maxRatio && measured.LatencyRatio is { } ratio)
            {
                results.Add(AtMost("latency.max_ratio", DiagnosticCodes.GateLatency, ratio, maxRatio,
                    $"latency gate failed: the compressed model's p95 latency is {F(ratio)}× the original's ({Ms(compressedLatency.P95Milliseconds)} vs {Ms(measured.OriginalLatency!.P95Milliseconds)}), above max_ratio {F(maxRatio.Value)}"));
            }
        }

        return results;
    }

    private static GateResult AtLeast(string gate, string code, double measured, Located<double> allowed, string failure) =>
        new(gate, code, measured >= allowed.Value, measured, allowed.Value, failure, allowed.Location);

    private static GateResult AtMost(string gate, string code, double measured, Located<double> allowed, string failure) =>
        new(gate, code, measured <= allowed.Value, measured, allowed.Value, failure, allowed.Location);

    private static string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    private static string Bytes(double bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
