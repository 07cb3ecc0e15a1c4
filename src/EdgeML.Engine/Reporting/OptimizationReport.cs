using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Gates;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Pruning;
using EdgeML.Engine.Pruning.Structured;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Quantization.AccuracyAware;
using EdgeML.Engine.Quantization.Smoothing;

namespace EdgeML.Engine.Reporting;

/// <summary>
/// The JSON report written beside the compressed model (<c>obj/…/edgeml/&lt;recipe&gt;.report.json</c>):
/// sizes, metrics, latencies, timings, what each step did and every gate's verdict.
/// </summary>
public sealed record OptimizationReport(
    string Recipe,
    string EngineVersion,
    bool Passed,
    Measurements Measurements,
    IReadOnlyList<StepReport> Steps,
    IReadOnlyList<GateReport> Gates,
    IReadOnlyDictionary<string, double> TimingsSeconds)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>With a back-off, every pruning strength tried: the scale of the recipe's ratios and the gates that failed.</summary>
    public IReadOnlyList<BackoffAttempt>? Backoff { get; init; }

    /// <summary>With an accuracy-aware quantize step whose gates failed: each node moved back to float, in order, and why.</summary>
    public IReadOnlyList<FloatFallback>? Fallbacks { get; init; }

    /// <summary>
    /// With an accuracy-aware quantize step whose result was too slow: the recipe's configuration, then each faster one
    /// tried, with why it was rejected; the last has no reason when it was kept.
    /// </summary>
    public IReadOnlyList<LatencyAttempt>? LatencyAttempts { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static OptimizationReport FromJson(string json) =>
        JsonSerializer.Deserialize<OptimizationReport>(json, Options) ?? throw new JsonException("empty report");
}

/// <summary>One pruning strength a back-off tried: the recipe's ratios times <paramref name="Scale"/>.</summary>
public sealed record BackoffAttempt(double Scale, IReadOnlyList<string> FailedGates);

/// <summary>
/// A node an accuracy-aware quantize step moved back to float: its sensitivity (<see cref="NodeSensitivity"/>) and
/// the gates that failed while it was in int8.
/// </summary>
public sealed record FloatFallback(string Node, double SqnrDb, IReadOnlyList<string> FailedGates);

/// <summary>One configuration a latency-aware search measured: its p95 latency, its ratio to the original's, and why it was rejected (null: kept).</summary>
public sealed record LatencyAttempt(string Configuration, double? P95Milliseconds, double? LatencyRatio, string? Rejected);

/// <summary>What one compression step did; each step fills in the parts that concern it.</summary>
public sealed record StepReport(string Step)
{
    public IReadOnlyList<string>? QuantizedNodes { get; init; }

    public IReadOnlyList<SkippedNode>? SkippedNodes { get; init; }

    public int? CalibrationSamples { get; init; }

    /// <summary>Quantized nodes whose bias was corrected for the mean shift quantization causes (<c>bias_correction</c>).</summary>
    public IReadOnlyList<string>? BiasCorrectedNodes { get; init; }

    /// <summary>The smoothing α chosen (null: none was more faithful) and every candidate tried, when the step smooths.</summary>
    public SmoothingChoice? Smoothing { get; init; }

    /// <summary>With <c>accuracy_aware</c>: every quantized node's sensitivity, most sensitive first.</summary>
    public IReadOnlyList<NodeSensitivity>? Sensitivity { get; init; }

    public PreparationReport? Preparation { get; init; }

    public PruningReport? Pruning { get; init; }

    public ChannelPruningReport? ChannelPruning { get; init; }
}

/// <summary>One gate limit's verdict, as reported.</summary>
public sealed record GateReport(string Gate, bool Passed, double Measured, double Allowed, string Location)
{
    public static GateReport From(GateResult result) => new(result.Gate, result.Passed, result.Measured, result.Allowed, result.Location.ToString());
}
