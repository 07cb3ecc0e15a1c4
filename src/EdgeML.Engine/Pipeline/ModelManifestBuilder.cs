using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Writes the manifest embedded beside a compressed model: its hash and versions, and golden samples recorded
/// by running the model on the first few validation samples. The model runs through
/// <see cref="EdgeMLSession"/>, one sample per run, exactly as <see cref="EdgeMLValidation"/> reruns it on a
/// device, so on the same CPU the device reproduces the golden outputs bit for bit.
/// </summary>
public static class ModelManifestBuilder
{
    public const int DefaultGoldenSamples = 8;

    /// <param name="model">The compressed model's bytes, as embedded.</param>
    /// <param name="recipeId">The recipe's id.</param>
    /// <param name="modelVersion">The model's version from the recipe, if any.</param>
    /// <param name="data">The validation data to take golden inputs from; <see langword="null"/> records none.</param>
    /// <param name="dataLocation">Where errors about the data point.</param>
    /// <param name="goldenSamples">At most this many runs are recorded.</param>
    public static EdgeMLModelManifest Build(byte[] model, string recipeId, string? modelVersion, LabeledDataset? data,
        SourceLocation? dataLocation = null, int goldenSamples = DefaultGoldenSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(goldenSamples);
        var samples = data is null || goldenSamples == 0 ? [] : Record(model, recipeId, data, dataLocation, goldenSamples);
        return new EdgeMLModelManifest(EdgeMLModelManifest.CurrentFormatVersion, recipeId, Sha256Hex.Of(model), modelVersion, EngineInfo.Version, samples);
    }

    private static EdgeMLGoldenSample[] Record(byte[] model, string recipeId, LabeledDataset data, SourceLocation? dataLocation, int goldenSamples)
    {
        using var session = Open(model, recipeId);
        var input = session.Inputs.Count == 1 ? session.Inputs[0] : null;
        // Validate() replays float tensors; models with integer or several inputs (token ids, masks) record none.
        if (input is null || input.ElementType != TensorElementType.Float || input.Dimensions.Count == 0 || input.Dimensions.Skip(1).Any(d => d <= 0))
        {
            return [];
        }

        // One sample per run, unless the model fixes a larger batch: then each run takes that many.
        var shape = input.Dimensions.ToArray();
        shape[0] = Math.Max(shape[0], 1);
        var perRun = (int)shape[0];
        var length = checked((int)shape.Aggregate(1L, (a, b) => a * b));
        if (length != perRun * data.FeatureCount)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch,
                $"'{data.SourcePath}' has {data.FeatureCount} feature columns, the model input {input} takes {length / perRun} values per sample", dataLocation);
        }

        var runs = Math.Min(goldenSamples, data.Count / perRun);
        var samples = new EdgeMLGoldenSample[runs];
        for (var run = 0; run < runs; run++)
        {
            var features = data.Batch(run * perRun, perRun);
            samples[run] = new EdgeMLGoldenSample([new EdgeMLTensorData(input.Name, shape, features.ToArray())], Run(session, features.Span, shape, recipeId));
        }

        return samples;
    }

    private static EdgeMLSession Open(byte[] model, string recipeId)
    {
        try
        {
            // One thread, as for every measurement the build makes (see ModelRunner).
            return EdgeMLSession.FromBytes(model, new EdgeMLModelOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });
        }
        catch (EdgeMLModelLoadException e)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelRuntimeFailure, $"cannot record golden samples for '{recipeId}': {e.Message}", inner: e);
        }
    }

    /// <summary>The model's float outputs for one run; other element types cannot be compared as golden values.</summary>
    private static EdgeMLTensorData[] Run(EdgeMLSession session, ReadOnlySpan<float> features, long[] shape, string recipeId)
    {
        using var inputs = session.CreateInputs();
        inputs.Set(0, features, shape);
        EdgeMLOutputs outputs;
        try
        {
            outputs = session.Run(inputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelRuntimeFailure, $"ONNX Runtime failed to run '{recipeId}' for its golden samples: {e.Message}", inner: e);
        }

        using (outputs)
        {
            return Enumerable.Range(0, session.Outputs.Count)
                .Where(i => session.Outputs[i].ElementType == TensorElementType.Float)
                .Select(i => new EdgeMLTensorData(session.Outputs[i].Name, outputs[i].GetTensorTypeAndShape().Shape, outputs.ToArray<float>(i)))
                .ToArray();
        }
    }
}
