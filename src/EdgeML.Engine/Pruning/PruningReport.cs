namespace EdgeML.Engine.Pruning;

/// <summary>One weight tensor the pruner went through: how many of its values were zero before and after.</summary>
public sealed record PrunedLayer(string NodeName, string OpType, string Weight, long Parameters, long ZerosBefore, long ZerosAfter)
{
    /// <summary>The share of the weight's values that are zero after pruning.</summary>
    public double Sparsity => Parameters == 0 ? 0 : (double)ZerosAfter / Parameters;
}

/// <summary>A node of a pruned operator type whose weight stays whole, and why.</summary>
public sealed record WholeLayer(string NodeName, string OpType, string Reason);

/// <summary>What <see cref="MagnitudePruner"/> did to a model, layer by layer.</summary>
public sealed record PruningReport(IReadOnlyList<PrunedLayer> Layers, IReadOnlyList<WholeLayer> LeftWhole)
{
    public long Parameters => Layers.Sum(layer => layer.Parameters);

    public long Zeros => Layers.Sum(layer => layer.ZerosAfter);

    /// <summary>The share of zeros over all pruned weights together.</summary>
    public double Sparsity => Parameters == 0 ? 0 : (double)Zeros / Parameters;
}
