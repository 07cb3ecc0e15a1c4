using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.AccuracyAware;

/// <summary>
/// Ranks the nodes of a quantization plan by how much each one, quantized alone (its input and output QDQ
/// included), degrades the model's outputs on calibration data (<see cref="NodeSensitivity"/>). Measured in
/// isolation rather than per node inside the fully quantized model, where every layer also inherits the error of
/// the layers before it, so downstream layers would always look worst. Costs one rewrite and one paired run per
/// node; the calibrated ranges are shared.
/// </summary>
internal static class SensitivityAnalysis
{
    /// <summary>
    /// Every planned node, most sensitive first. <c>measured</c> holds the SQNRs already measured on this same
    /// model, by node, and receives the new ones: a node's SQNR does not depend on which other nodes are quantized,
    /// so the attempts of an accuracy-aware search each measure only what is new.
    /// </summary>
    public static IReadOnlyList<NodeSensitivity> Measure(ModelProto model, QuantizationPlan plan, IReadOnlyDictionary<string, TensorRange> ranges, QuantizeStep step,
        LabeledDataset data, SourceLocation dataLocation, IDictionary<string, double> measured)
    {
        var outputs = model.Graph.Output.Select(o => o.Name).ToArray();
        foreach (var node in plan.Nodes.Where(node => !measured.ContainsKey(node.NodeName)))
        {
            measured[node.NodeName] = OutputSqnr(model, QdqQuantizer.Apply(model, new QuantizationPlan([node], []), ranges, step), outputs, data, dataLocation);
        }

        return plan.Nodes.Select(node => new NodeSensitivity(node.NodeName, measured[node.NodeName])).OrderBy(s => s.SqnrDb).ToArray();
    }

    private static double OutputSqnr(ModelProto model, ModelProto quantized, IReadOnlyList<string> outputs, LabeledDataset data, SourceLocation dataLocation)
    {
        double signal = 0, noise = 0;
        PairedActivations.Run(model, quantized, outputs, data, dataLocation, (_, reference, candidate, _) =>
        {
            for (var j = 0; j < reference.Length; j++)
            {
                signal += (double)reference[j] * reference[j];
                noise += ((double)candidate[j] - reference[j]) * ((double)candidate[j] - reference[j]);
            }
        });

        // The small floor keeps an exact match (no noise) finite, as JSON needs.
        const double Floor = 1e-20;
        return 10 * Math.Log10((signal + Floor) / (noise + Floor));
    }
}
