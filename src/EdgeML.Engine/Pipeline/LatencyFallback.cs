using System.Globalization;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Gates;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning.Structured;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Faster configurations of an accuracy-aware static quantize step whose candidate is too slow: it fails a latency
/// gate, or, with none in the recipe, runs slower than the float original. They come in order of decreasing
/// compression, so the first that passes every gate is the smallest fast-enough one:
/// <list type="number">
/// <item>the quantized MatMuls of two activations back in float (both sides are quantized on every run, and the
/// result rarely fuses into an integer kernel);</item>
/// <item>dynamic int8 instead of static, when the step quantizes MatMul or Gemm nodes (transformer-style graphs, whose
/// QDQ form ONNX Runtime may not fuse, run their MatMuls in DynamicQuantizeMatMul);</item>
/// <item>the costliest quantized nodes back in float, by multiply-adds (a cost model: single-sample timings per node
/// are too noisy to rank by): the costliest one, then two, then four, at most <see cref="MaxCostAttempts"/> attempts,
/// never all of them.</item>
/// </list>
/// </summary>
internal static class LatencyFallback
{
    public const int MaxCostAttempts = 3;

    /// <summary>Why a candidate cannot be kept: the gates it fails, or that it is slower than float with no latency gate to judge it.</summary>
    public static string? WhyRejected(Measurements measured, IReadOnlyList<GateResult> gates, GateSpec spec)
    {
        var failed = gates.Where(g => !g.Passed).Select(g => g.Gate).ToArray();
        return failed.Length > 0 ? $"fails {string.Join(", ", failed)}"
            : spec.Latency is null && measured.LatencyRatio is { } ratio && ratio > LatencyRegression.Tolerance
                ? string.Create(CultureInfo.InvariantCulture, $"{ratio:0.00}× slower than the original")
                : null;
    }

    /// <summary>Whether only latency gates failed (or none, and the candidate is slower than float): other gates are accuracy-aware fallback's business.</summary>
    public static bool OnlyTooSlow(Measurements measured, IReadOnlyList<GateResult> gates, GateSpec spec) =>
        WhyRejected(measured, gates, spec) is not null && gates.All(g => g.Passed || g.Code == DiagnosticCodes.GateLatency);

    /// <summary>The configurations to try, in order, for the first accuracy-aware static quantize step of <paramref name="steps"/>.</summary>
    /// <param name="steps">The steps of the slow candidate.</param>
    /// <param name="reports">Their reports, one per step.</param>
    /// <param name="model">The model the steps start from, to find activation MatMuls and measure costs.</param>
    public static IReadOnlyList<(string Configuration, IReadOnlyList<CompressionStep> Steps)> Alternatives(
        IReadOnlyList<CompressionStep> steps, IReadOnlyList<StepReport> reports, ModelProto model)
    {
        var at = Enumerable.Range(0, steps.Count).FirstOrDefault(i => steps[i] is QuantizeStep { AccuracyAware: true, Mode: QuantizationMode.Static }, -1);
        if (at < 0 || reports[at].QuantizedNodes is not { Count: > 0 } quantized)
        {
            return [];
        }

        var step = (QuantizeStep)steps[at];
        // The static plan's nodes: LSTM/GRU and nodes inside subgraphs, quantized dynamically in any case, have no say.
        var nodes = model.Graph.Node.Where(n => WeightedOperators.IsKnown(n) && quantized.Contains(n.Name, StringComparer.Ordinal)).ToArray();
        var constants = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var alternatives = new List<(string, IReadOnlyList<CompressionStep>)>();
        IReadOnlyList<CompressionStep> With(QuantizeStep changed) => [.. steps.Take(at), changed, .. steps.Skip(at + 1)];

        var activationMatMuls = nodes.Where(n => n.OpType == "MatMul" && !n.Input.Any(constants.Contains)).Select(n => n.Name).ToArray();
        var inFloat = step.FallbackNodes.ToList();
        if (activationMatMuls.Length > 0)
        {
            inFloat.AddRange(activationMatMuls);
            alternatives.Add(($"activation MatMuls in float ({Names(activationMatMuls)})", With(step with { FallbackNodes = [.. inFloat] })));
        }

        if (nodes.Any(n => n.OpType is "MatMul" or "Gemm"))
        {
            alternatives.Add(("dynamic int8 instead of static", With(step with { Mode = QuantizationMode.Dynamic, ExcludeNodes = [.. step.ExcludeNodes, .. step.FallbackNodes] })));
        }

        var shapes = TensorShapes.Measure(model);
        var byCost = nodes.Where(n => !inFloat.Contains(n.Name, StringComparer.Ordinal))
            .OrderByDescending(n => MultiplyAddCounter.Of(n, shapes)).Select(n => n.Name).ToArray();
        for (int count = 1, tried = 0; count < byCost.Length && tried < MaxCostAttempts; count *= 2, tried++)
        {
            alternatives.Add(($"costliest nodes in float ({Names(byCost[..count])})", With(step with { FallbackNodes = [.. inFloat, .. byCost[..count]] })));
        }

        return alternatives;
    }

    /// <summary>The warning at the accuracy-aware step that says what replaced the slow configuration, or that nothing could.</summary>
    public static Diagnostic? Warning(Recipe recipe, IReadOnlyList<LatencyAttempt> attempts)
    {
        if (attempts.Count == 0 || recipe.Steps.OfType<QuantizeStep>().FirstOrDefault(s => s.AccuracyAware) is not { } step)
        {
            return null;
        }

        var slow = attempts[0].Rejected;
        var message = attempts[^1].Rejected is null
            ? $"the quantized model was too slow ({slow}); {attempts[^1].Configuration} passes every gate"
            : $"the quantized model is too slow ({slow}) and none of {attempts.Count - 1} other configurations passes every gate: "
                + string.Join("; ", attempts.Skip(1).Select(a => $"{a.Configuration} {a.Rejected}"));
        return new Diagnostic(DiagnosticCodes.LatencyFallback, Severity.Warning, message, step.Location);
    }

    private static string Names(IEnumerable<string> nodes) => string.Join(", ", nodes.Select(n => $"'{n}'"));
}
