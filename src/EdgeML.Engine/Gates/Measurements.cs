using EdgeML.Engine.Evaluation;

namespace EdgeML.Engine.Gates;

/// <summary>
/// What was measured about the original and the compressed model, for the gates and the report. Sizes are of
/// the original file, the compressed ONNX model, and what is embedded in the assembly (the compressed model in
/// the recipe's <c>storage</c> form); the size gate judges the embedded bytes, which are what ships.
/// </summary>
public sealed record Measurements(
    long OriginalBytes,
    long CompressedBytes,
    long EmbeddedBytes,
    double? OriginalAccuracy,
    double? CompressedAccuracy,
    double? Agreement,
    double? MeanCosineSimilarity,
    LatencyStats? OriginalLatency,
    LatencyStats? CompressedLatency)
{
    public double SizeRatio => OriginalBytes == 0 ? 1 : EmbeddedBytes / (double)OriginalBytes;

    public double? LatencyRatio => OriginalLatency is { } original && CompressedLatency is { } compressed && original.P95Milliseconds > 0
        ? compressed.P95Milliseconds / original.P95Milliseconds
        : null;
}
