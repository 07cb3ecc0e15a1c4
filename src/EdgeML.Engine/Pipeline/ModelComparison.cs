using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Gates;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Measures compressed candidates against the original model on the validation data. The original is evaluated
/// and timed once, however many candidates a back-off tries.
/// </summary>
internal sealed class ModelComparison
{
    private readonly byte[] _original;
    private readonly (LabeledDataset Data, SourceLocation Location)? _validation;
    private readonly Recipe _recipe;
    private readonly LatencyMeasurement _latency;
    private readonly Lazy<(ModelEvaluation Evaluation, LatencyStats Latency)> _reference;

    public ModelComparison(byte[] original, (LabeledDataset Data, SourceLocation Location)? validation, Recipe recipe, LatencyMeasurement latency)
    {
        _latency = latency;
        _original = original;
        _validation = validation;
        _recipe = recipe;
        _reference = new(() =>
        {
            using var runner = ModelRunner.Create(_original, _recipe.Model.Value, _recipe.Model.Location);
            return (ModelEvaluation.Run(runner, _validation!.Value.Data, _validation.Value.Location), _latency(_original, runner, _validation.Value.Data));
        });
    }

    public Measurements Measure(byte[] compressed, long embeddedBytes)
    {
        if (_validation is not { } validation)
        {
            return new Measurements(_original.Length, compressed.Length, embeddedBytes, null, null, null, null, null, null);
        }

        var (before, beforeLatency) = _reference.Value;
        using var runner = ModelRunner.Create(compressed, $"the compressed '{Path.GetFileName(_recipe.Model.Value)}'", _recipe.Model.Location);
        var after = ModelEvaluation.Run(runner, validation.Data, validation.Location);
        return new Measurements(
            _original.Length,
            compressed.Length,
            embeddedBytes,
            before.Accuracy,
            after.Accuracy,
            after.AgreementWith(before),
            after.MeanCosineSimilarityWith(before),
            beforeLatency,
            _latency(compressed, runner, validation.Data));
    }
}
