using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;
using Google.Protobuf;

namespace EdgeML.Engine.Quantization.Smoothing;

/// <summary>The smoothing a quantize step ended up with: α, or null when quantizing unsmoothed was the most faithful.</summary>
/// <param name="Alpha">The migration strength chosen, or null for none.</param>
/// <param name="Candidates">Each α tried (null: no smoothing) with the quantized model's mean output cosine against the float model on the calibration data.</param>
/// <param name="SmoothedNodes">The layers whose inputs were smoothed.</param>
public sealed record SmoothingChoice(float? Alpha, IReadOnlyList<SmoothingCandidate> Candidates, IReadOnlyList<string> SmoothedNodes);

/// <summary>One α tried by <see cref="SmoothingSearch"/> and the fidelity it gave (on <see cref="SmoothingSearch.ComparisonSamples"/> calibration samples).</summary>
public sealed record SmoothingCandidate(float? Alpha, double OutputCosine);

/// <summary>
/// Picks the migration strength α of <see cref="ActivationSmoothing"/> for one model: the best α differs from model to
/// model (0.5 in the SmoothQuant paper, 0.75–0.9 for others; too low overloads the weights and can be worse than no
/// smoothing at all), so each candidate — and no smoothing — is quantized and compared with the float model on the
/// calibration data, and the most faithful wins. With a fixed α from the recipe, only that one is applied.
/// </summary>
public static class SmoothingSearch
{
    /// <summary>The α values <c>smoothing: auto</c> tries, besides none.</summary>
    public static readonly IReadOnlyList<float> AutoAlphas = [0.5f, 0.6f, 0.7f, 0.8f, 0.9f];

    /// <summary>Calibration samples the candidates are compared on: enough to rank them, few enough to try six.</summary>
    public const int ComparisonSamples = 32;

    /// <param name="model">The float model.</param>
    /// <param name="step">The quantize step (its ops and exclusions pick the layers).</param>
    /// <param name="alpha">A fixed α, or null to search <see cref="AutoAlphas"/>.</param>
    /// <param name="calibration">Calibration samples.</param>
    /// <param name="dataLocation">Where the recipe names the data.</param>
    /// <param name="quantize">The step's quantizer, applied to each candidate.</param>
    /// <param name="modelOf">The quantized model of a quantizer's result.</param>
    /// <returns>The chosen smoothed float model (functionally the original), its quantized result, and the choice.</returns>
    public static (ModelProto Smoothed, T Quantized, SmoothingChoice Choice) Run<T>(ModelProto model, QuantizeStep step, float? alpha, LabeledDataset calibration,
        SourceLocation dataLocation, Func<ModelProto, T> quantize, Func<T, ModelProto> modelOf)
    {
        var statistics = ActivationSmoothing.Measure(model, step, calibration, dataLocation);
        if (alpha is { } fixedAlpha)
        {
            var (smoothed, nodes) = ActivationSmoothing.Apply(model, step, statistics, fixedAlpha);
            return (smoothed, quantize(smoothed), new SmoothingChoice(fixedAlpha, [], nodes));
        }

        var probe = calibration.Sample(ComparisonSamples, seed: 0);
        ModelEvaluation reference;
        using (var runner = ModelRunner.Create(model.ToByteArray(), "the float model"))
        {
            reference = ModelEvaluation.Run(runner, probe, dataLocation);
        }

        var candidates = new List<SmoothingCandidate>();
        (ModelProto Smoothed, T Quantized, float? Alpha, IReadOnlyList<string> Nodes, double Cosine)? best = null;
        foreach (var candidate in AutoAlphas.Cast<float?>().Prepend(null))
        {
            var (smoothed, nodes) = candidate is { } a ? ActivationSmoothing.Apply(model, step, statistics, a) : (model, []);
            var quantized = quantize(smoothed);
            using var runner = ModelRunner.Create(modelOf(quantized).ToByteArray(), "the smoothed quantized model");
            var cosine = ModelEvaluation.Run(runner, probe, dataLocation).MeanCosineSimilarityWith(reference);
            candidates.Add(new SmoothingCandidate(candidate, cosine));
            if (best is null || cosine > best.Value.Cosine)
            {
                best = (smoothed, quantized, candidate, nodes, cosine);
            }
        }

        var (chosenModel, chosenResult, chosenAlpha, chosenNodes, _) = best!.Value;
        return (chosenModel, chosenResult, new SmoothingChoice(chosenAlpha, candidates, chosenNodes));
    }
}
