using EdgeML.Engine.Evaluation;

namespace EdgeML.Engine.Gates;

/// <summary>What was measured about the original and the compressed model, for the gates and the report.</summary>
public sealed record Measurements(
    long OriginalBytes,
    long CompressedBytes,
    double? OriginalAccuracy,
    double? CompressedAccuracy,
    double? Agreement,
    double? MeanCosineSimilarity,
    LatencyStats? OriginalLatency,
    LatencyStats? CompressedLatency)
{
    public double SizeRatio => OriginalBytes == 0 ? 1 : CompressedBytes / (double)OriginalBytes;

    public double? LatencyRatio => OriginalLatency is { } original && CompressedLatency is { } compressed && original.P95Milliseconds > 0
        ? compressed.P95Milliseconds / original.P95Milliseconds
        : null;
}
