using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>What structured pruning did to a model.</summary>
/// <param name="Groups">Every coupled group that was considered for pruning.</param>
/// <param name="LeftWhole">Groups the analysis could not prune, with the reason.</param>
/// <param name="MultiplyAddsBefore">Multiply-adds per sample of the original model's Conv/ConvTranspose/Gemm/MatMul nodes.</param>
/// <param name="MultiplyAddsAfter">The same for the pruned model.</param>
/// <param name="Reconstructed">Whether the layers reading pruned tensors were refitted.</param>
/// <param name="Reconstructions">One entry per refitted layer.</param>
public sealed record ChannelPruningReport(
    IReadOnlyList<PrunedChannelGroup> Groups,
    IReadOnlyList<UnprunableChannelGroup> LeftWhole,
    long MultiplyAddsBefore,
    long MultiplyAddsAfter,
    bool Reconstructed,
    IReadOnlyList<LayerReconstruction> Reconstructions)
{
    public double MultiplyAddRatio => MultiplyAddsBefore == 0 ? 1 : MultiplyAddsAfter / (double)MultiplyAddsBefore;
}

/// <summary>
/// Layers whose output channels were pruned together, keeping the same channels. <paramref name="HeadSize"/> is set
/// when the channels are attention heads, pruned whole: heads before and after are the channels divided by it.
/// </summary>
public sealed record PrunedChannelGroup(IReadOnlyList<string> Producers, int ChannelsBefore, int ChannelsAfter, ChannelImportance Importance, int? HeadSize = null)
{
    public int? HeadsBefore => ChannelsBefore / HeadSize;

    public int? HeadsAfter => ChannelsAfter / HeadSize;
}

/// <summary>Layers whose output channels stay whole, and why.</summary>
public sealed record UnprunableChannelGroup(IReadOnlyList<string> Producers, int Channels, string Reason);

/// <summary>A layer refitted to the original model's outputs: mean squared error of its kept outputs on the calibration rows.</summary>
public sealed record LayerReconstruction(string Node, long Rows, double MeanSquaredErrorBefore, double MeanSquaredErrorAfter);
