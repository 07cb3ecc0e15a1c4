namespace EdgeML.Engine.Quantization;

/// <summary>Observed value range of a tensor over the calibration data.</summary>
public readonly record struct TensorRange(float Min, float Max)
{
    public TensorRange Include(float min, float max) => new(Math.Min(Min, min), Math.Max(Max, max));

    public static readonly TensorRange Empty = new(float.PositiveInfinity, float.NegativeInfinity);
}

/// <summary>
/// A node the quantizer will rewrite into QDQ form, found at <c>NodeIndex</c> in the top-level graph.
/// <c>Outputs</c> are quantized at its output: its own outputs, or that of the ReLU at <c>FusedActivationIndex</c>,
/// which the output quantization makes redundant.
/// </summary>
internal sealed record PlannedNode(int NodeIndex, string NodeName, string OpType, QdqMatch Match, IReadOnlyList<string> Outputs, int? FusedActivationIndex);

/// <summary>A node the recipe asked to quantize that stays in float, and why.</summary>
public sealed record SkippedNode(string NodeName, string OpType, string Reason);

/// <summary>What the quantizer will do to a model: which nodes it rewrites and which activation ranges it needs.</summary>
public sealed class QuantizationPlan
{
    /// <param name="nodes">The nodes to quantize, in graph order.</param>
    /// <param name="skipped">The nodes left in float, with their reasons.</param>
    /// <param name="fixedRanges">Tensors whose range the recipe fixes (<c>overrides</c>): no calibration needed.</param>
    internal QuantizationPlan(IReadOnlyList<PlannedNode> nodes, IReadOnlyList<SkippedNode> skipped, IEnumerable<string>? fixedRanges = null)
    {
        Nodes = nodes;
        Skipped = skipped;
        TensorsToCalibrate = nodes.SelectMany(n => n.Match.Activations.Concat(n.Outputs)).Distinct(StringComparer.Ordinal).Except(fixedRanges ?? [], StringComparer.Ordinal).ToArray();
    }

    internal IReadOnlyList<PlannedNode> Nodes { get; }

    public IReadOnlyList<string> QuantizedNodeNames => Nodes.Select(n => n.NodeName).ToArray();

    public IReadOnlyList<SkippedNode> Skipped { get; }

    /// <summary>
    /// Activation tensors whose ranges calibration must measure: every tensor a planned node quantizes, also the outputs
    /// that reuse their input's parameters, so that any subset of the plan (sensitivity analysis) can be applied alone.
    /// </summary>
    public IReadOnlyList<string> TensorsToCalibrate { get; }
}
