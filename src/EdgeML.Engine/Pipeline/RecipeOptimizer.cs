using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Gates;
using EdgeML.Engine.Inference;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning;
using EdgeML.Engine.Pruning.Structured;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;
using Google.Protobuf;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Runs one recipe end to end: compress the model step by step, evaluate original and compressed on the
/// validation data, check the gates, write the report, and publish the model (and cache it) only when
/// every gate passes.
/// </summary>
public sealed class RecipeOptimizer(OptimizationCache cache)
{
    private const string ReportSuffix = ".report.json";
    private const string ManifestSuffix = ".manifest.json";

    /// <summary>Every file a successful result publishes; see <see cref="OutputLayout"/>.</summary>
    private static readonly string[] PublishedSuffixes =
        [ModelStorageCodec.FileExtension(ModelStorage.Raw), ModelStorageCodec.FileExtension(ModelStorage.Brotli), ManifestSuffix, ReportSuffix];

    /// <param name="recipe">The parsed recipe.</param>
    /// <param name="originalBytes">The model file's bytes, as read once by the caller.</param>
    /// <param name="model">The same model, parsed.</param>
    /// <param name="layout">Where the outputs go.</param>
    public OptimizationOutcome Optimize(Recipe recipe, byte[] originalBytes, ModelProto model, OutputLayout layout)
    {
        var key = OptimizationCache.ComputeKey(recipe);
        using var cacheLock = cache.Lock(key);
        if (cache.TryGet(key) is { } cached)
        {
            Publish(layout, cached.ToDictionary(file => file.Key, file => File.ReadAllBytes(file.Value)));
            PublishFallback(recipe, originalBytes, layout, passed: true);
            return new OptimizationOutcome(OptimizationReport.FromJson(File.ReadAllText(layout.Report)), [], FromCache: true);
        }

        var timings = new Dictionary<string, double>();
        var total = Stopwatch.StartNew();
        (LabeledDataset Data, SourceLocation Location)? validation = recipe.Validation is { } spec ? Timed(timings, "read_data", () => ReadValidation(spec, recipe)) : null;

        var diagnostics = new List<Diagnostic>();
        var steps = new List<StepReport>();
        foreach (var step in recipe.Steps)
        {
            model = step switch
            {
                PruneStep prune => Prune(model, prune, steps, timings),
                PruneChannelsStep channels => PruneChannels(model, channels, recipe, validation, steps, timings),
                QuantizeStep quantize => Quantize(model, quantize, recipe, validation, steps, diagnostics, timings),
                _ => throw new EdgeMLException(DiagnosticCodes.InternalError, $"no implementation for step {step.GetType().Name}", step.Location),
            };
        }

        var compressedBytes = model.ToByteArray();
        var storedBytes = Timed(timings, "encode", () => ModelStorageCodec.Encode(compressedBytes, recipe.Storage));
        var measurements = Timed(timings, "evaluate", () => Measure(originalBytes, compressedBytes, storedBytes.Length, validation, recipe));
        var gates = GateChecker.Check(recipe.Gates, measurements);
        diagnostics.AddRange(gates.Where(g => !g.Passed).Select(g => g.ToDiagnostic()));
        var passed = gates.All(g => g.Passed);
        var manifest = passed
            ? Timed(timings, "manifest", () => ModelManifestBuilder.Build(
                compressedBytes, recipe.Id, recipe.ModelVersion?.Value.ToString(CultureInfo.InvariantCulture), validation?.Data, validation?.Location)).ToJson()
            : null;
        timings["total"] = total.Elapsed.TotalSeconds;

        var report = new OptimizationReport(recipe.FilePath, EngineInfo.Version, passed, measurements, steps, gates.Select(GateReport.From).ToArray(), timings);
        var result = new Dictionary<string, byte[]> { [ReportSuffix] = Encoding.UTF8.GetBytes(report.ToJson()) };
        if (manifest is not null)
        {
            result[ModelStorageCodec.FileExtension(ModelStorage.Raw)] = compressedBytes;
            result[ModelStorageCodec.FileExtension(recipe.Storage)] = storedBytes;
            result[ManifestSuffix] = manifest;
            cache.Put(key, result);
        }

        Publish(layout, result);

        PublishFallback(recipe, originalBytes, layout, passed);

        return new OptimizationOutcome(report, diagnostics, FromCache: false);
    }

    /// <summary>
    /// Writes a result's files (named by suffix) and removes the model files it lacks: a model that failed its
    /// gates, or a storage form the recipe no longer asks for, must not be embedded by a later build.
    /// </summary>
    private static void Publish(OutputLayout layout, IReadOnlyDictionary<string, byte[]> result)
    {
        foreach (var (suffix, bytes) in result)
        {
            AtomicFile.WriteAllBytes(layout.File(suffix), bytes);
        }

        foreach (var suffix in PublishedSuffixes.Where(suffix => !result.ContainsKey(suffix)))
        {
            File.Delete(layout.File(suffix));
        }
    }

    // The fallback copy exists exactly when the recipe asks for it and the compressed model was published.
    private static void PublishFallback(Recipe recipe, byte[] originalBytes, OutputLayout layout, bool passed)
    {
        if (passed && recipe.Fallback == FallbackModel.Float)
        {
            AtomicFile.WriteAllBytes(layout.FallbackModel, originalBytes);
        }
        else
        {
            File.Delete(layout.FallbackModel);
        }
    }

    private static ModelProto Prune(ModelProto model, PruneStep step, List<StepReport> steps, Dictionary<string, double> timings)
    {
        var (pruned, report) = Timed(timings, "prune", () => MagnitudePruner.Apply(model, step));
        steps.Add(new StepReport("prune") { Pruning = report });
        return pruned;
    }

    private static ModelProto PruneChannels(ModelProto model, PruneChannelsStep step, Recipe recipe, (LabeledDataset Data, SourceLocation Location)? validation,
        List<StepReport> steps, Dictionary<string, double> timings)
    {
        // Calibration data is read only when reconstruction or activation importance needs it.
        var calibration = step.Reconstruct || step.Importance == ChannelImportance.Activation
            ? Timed(timings, "read_calibration_data", () => CalibrationData(step.Calibration, step.Location, recipe, validation)).Data
            : null;
        var (pruned, report) = Timed(timings, "prune_channels", () => ChannelPruner.Apply(model, step, calibration));
        steps.Add(new StepReport("prune_channels") { ChannelPruning = report, CalibrationSamples = calibration?.Count });
        return pruned;
    }

    private static ModelProto Quantize(ModelProto model, QuantizeStep step, Recipe recipe, (LabeledDataset Data, SourceLocation Location)? validation,
        List<StepReport> steps, List<Diagnostic> diagnostics, Dictionary<string, double> timings)
    {
        var plan = QdqQuantizer.Plan(model, step);
        diagnostics.AddRange(plan.Skipped.Select(s => new Diagnostic(DiagnosticCodes.NodeLeftInFloat, Severity.Warning,
            $"{s.OpType} node '{s.NodeName}' stays in float: {s.Reason}", step.Location)));

        var (calibration, location) = Timed(timings, "read_calibration_data", () => CalibrationData(step.Calibration, step.Location, recipe, validation));
        var ranges = Timed(timings, "calibrate", () => MinMaxCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, location));
        var quantized = Timed(timings, "quantize", () => QdqQuantizer.Apply(model, plan, ranges, step));
        steps.Add(new StepReport("quantize") { QuantizedNodes = plan.QuantizedNodeNames, SkippedNodes = plan.Skipped, CalibrationSamples = calibration.Count });
        return quantized;
    }

    private static (LabeledDataset Data, SourceLocation Location) CalibrationData(CalibrationSpec? spec, SourceLocation stepLocation, Recipe recipe, (LabeledDataset Data, SourceLocation Location)? validation)
    {
        if (spec is { } calibration)
        {
            var data = CsvDatasetReader.Read(calibration.Data.Value, recipe.Validation?.LabelColumnName ?? ValidationSpec.DefaultLabelColumn, labelRequired: false,
                recipe.Validation?.FeatureColumns?.Value, recipe.Labels?.Value, calibration.Data.Location);
            return (data.Sample(calibration.Samples, calibration.Seed), calibration.Data.Location);
        }

        if (validation is { } fallback)
        {
            return (fallback.Data.Sample(CalibrationSpec.DefaultSamples, seed: 0), fallback.Location);
        }

        throw new EdgeMLException(DiagnosticCodes.RecipeMissingKey,
            "this step needs calibration data: add 'calibration: { data: … }' to it, or a 'validation' section to calibrate on", stepLocation);
    }

    private static (LabeledDataset Data, SourceLocation Location) ReadValidation(ValidationSpec spec, Recipe recipe)
    {
        var data = CsvDatasetReader.Read(spec.Data.Value, spec.LabelColumnName, labelRequired: true,
            spec.FeatureColumns?.Value, recipe.Labels?.Value, spec.Data.Location);
        return (spec.Samples is { } samples ? data.Take(samples.Value) : data, spec.Data.Location);
    }

    private static Measurements Measure(byte[] original, byte[] compressed, long embeddedBytes, (LabeledDataset Data, SourceLocation Location)? validation, Recipe recipe)
    {
        if (validation is not { } v)
        {
            return new Measurements(original.Length, compressed.Length, embeddedBytes, null, null, null, null, null, null);
        }

        using var originalRunner = ModelRunner.Create(original, recipe.Model.Value, recipe.Model.Location);
        using var compressedRunner = ModelRunner.Create(compressed, $"the compressed '{Path.GetFileName(recipe.Model.Value)}'", recipe.Model.Location);
        var before = ModelEvaluation.Run(originalRunner, v.Data, v.Location);
        var after = ModelEvaluation.Run(compressedRunner, v.Data, v.Location);
        return new Measurements(
            original.Length,
            compressed.Length,
            embeddedBytes,
            before.Accuracy,
            after.Accuracy,
            after.AgreementWith(before),
            after.MeanCosineSimilarityWith(before),
            LatencyProbe.Measure(originalRunner, v.Data),
            LatencyProbe.Measure(compressedRunner, v.Data));
    }

    private static T Timed<T>(Dictionary<string, double> timings, string phase, Func<T> work)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = work();
        timings[phase] = timings.GetValueOrDefault(phase) + stopwatch.Elapsed.TotalSeconds;
        return result;
    }
}
