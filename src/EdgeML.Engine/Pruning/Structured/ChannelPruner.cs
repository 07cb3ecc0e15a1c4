using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// Structured pruning (<see cref="PruneChannelsStep"/>): removes whole output channels of Conv/ConvTranspose and
/// neurons of Gemm/MatMul layers together with every tensor dimension coupled to them — whole heads of multi-head
/// attention — so the model gets smaller and does fewer multiply-adds. Optionally refits the layers reading pruned tensors to the original model's outputs.
/// </summary>
public static class ChannelPruner
{
    /// <param name="model">The float model; not modified.</param>
    /// <param name="step">The recipe step.</param>
    /// <param name="calibration">Samples for activation importance and reconstruction; required by either.</param>
    public static (ModelProto Pruned, ChannelPruningReport Report) Apply(ModelProto model, PruneChannelsStep step, LabeledDataset? calibration)
    {
        if (calibration is null && (step.Reconstruct || step.Importance == ChannelImportance.Activation))
        {
            throw new EdgeMLException(DiagnosticCodes.RecipeMissingKey,
                "prune_channels needs calibration data for activation importance and for reconstruction", step.Location);
        }

        var shapes = TensorShapes.Measure(model);
        var pruned = model.Clone();
        var dependencies = ChannelDependencyGraph.Analyze(pruned.Graph, shapes, step.SkipNodes);
        var prunable = dependencies.Groups.Where(g => g.UnprunableReason is null).ToArray();
        var scores = step.Importance == ChannelImportance.Activation
            ? ChannelImportanceScorer.MeanActivations(model, prunable, shapes, calibration!)
            : prunable.ToDictionary(g => g.Id, g => ChannelImportanceScorer.WeightNorms(g, model.Graph.Initializer.ToDictionary(t => t.Name), step.Importance));
        var kept = prunable.ToDictionary(g => g.Id, g => ChannelSelection.Keep(scores[g.Id], RatioOf(g, step), g.HeadSize));
        ChannelGraphRewriter.Apply(pruned.Graph, dependencies, kept);
        var reconstructions = step.Reconstruct
            ? LayerReconstructor.Refit(model, pruned, dependencies, kept, calibration!, step.RidgeLambda)
            : [];

        var report = new ChannelPruningReport(
            prunable.Select(g => new PrunedChannelGroup(Names(g), g.Channels, kept[g.Id].Length, step.Importance, g.HeadSize > 1 ? g.HeadSize : null)).ToArray(),
            dependencies.Groups.Where(g => g.UnprunableReason is not null).Select(g => new UnprunableChannelGroup(Names(g), g.Channels, g.UnprunableReason!)).ToArray(),
            MultiplyAddCounter.Count(model.Graph, shapes),
            MultiplyAddCounter.Count(pruned.Graph, TensorShapes.Measure(pruned)),
            step.Reconstruct,
            reconstructions);
        return (pruned, report);
    }

    // A coupled group drops the same channels in every producer: the most cautious override among them wins.
    private static double RatioOf(CoupledGroup group, PruneChannelsStep step) =>
        group.Producers.Select(p => step.LayerRatio.TryGetValue(p.Node.Name, out var ratio) ? ratio.Value : (double?)null)
            .Where(r => r is not null).Min() ?? step.Ratio.Value;

    private static string[] Names(CoupledGroup group) => group.Producers.Select(p => p.Node.Name).ToArray();
}
