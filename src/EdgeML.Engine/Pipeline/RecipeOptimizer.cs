using System.Diagnostics;
using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Gates;
using EdgeML.Engine.Inference;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx.Protobuf;
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
    /// <param name="recipe">The parsed recipe.</param>
    /// <param name="originalBytes">The model file's bytes, as read once by the caller.</param>
    /// <param name="model">The same model, parsed.</param>
    /// <param name="layout">Where the outputs go.</param>
    public OptimizationOutcome Optimize(Recipe recipe, byte[] originalBytes, ModelProto model, OutputLayout layout)
    {
        var key = OptimizationCache.ComputeKey(recipe);
        using var cacheLock = cache.Lock(key);
        if (cache.TryGet(key) is { } entry)
        {
            AtomicFile.Copy(Path.Combine(entry, OptimizationCache.ModelFileName), layout.Model);
            AtomicFile.Copy(Path.Combine(entry, OptimizationCache.ReportFileName), layout.Report);
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
                QuantizeStep quantize => Quantize(model, quantize, recipe, validation, steps, diagnostics, timings),
                _ => throw new EdgeMLException(DiagnosticCodes.InternalError, $"no implementation for step {step.GetType().Name}", step.Location),
            };
        }

        var compressedBytes = model.ToByteArray();
        var measurements = Timed(timings, "evaluate", () => Measure(originalBytes, compressedBytes, validation, recipe));
        var gates = GateChecker.Check(recipe.Gates, measurements);
        diagnostics.AddRange(gates.Where(g => !g.Passed).Select(g => g.ToDiagnostic()));
        timings["total"] = total.Elapsed.TotalSeconds;

        var passed = gates.All(g => g.Passed);
        var report = new OptimizationReport(recipe.FilePath, EngineInfo.Version, passed, measurements, steps, gates.Select(GateReport.From).ToArray(), timings);
        var json = report.ToJson();
        AtomicFile.WriteAllText(layout.Report, json);
        if (passed)
        {
            AtomicFile.WriteAllBytes(layout.Model, compressedBytes);
            cache.Put(key, compressedBytes, json);
        }
        else
        {
            // A model that failed its gates must not be embedded by a later, partial build.
            File.Delete(layout.Model);
        }

        return new OptimizationOutcome(report, diagnostics, FromCache: false);
    }

    private static ModelProto Quantize(ModelProto model, QuantizeStep step, Recipe recipe, (LabeledDataset Data, SourceLocation Location)? validation,
        List<StepReport> steps, List<Diagnostic> diagnostics, Dictionary<string, double> timings)
    {
        var plan = QdqQuantizer.Plan(model, step);
        diagnostics.AddRange(plan.Skipped.Select(s => new Diagnostic(DiagnosticCodes.NodeLeftInFloat, Severity.Warning,
            $"{s.OpType} node '{s.NodeName}' stays in float: {s.Reason}", step.Location)));

        var (calibration, location) = Timed(timings, "read_calibration_data", () => CalibrationData(step, recipe, validation));
        var ranges = Timed(timings, "calibrate", () => MinMaxCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, location));
        var quantized = Timed(timings, "quantize", () => QdqQuantizer.Apply(model, plan, ranges, step));
        steps.Add(new StepReport("quantize", plan.QuantizedNodeNames, plan.Skipped, calibration.Count));
        return quantized;
    }

    private static (LabeledDataset Data, SourceLocation Location) CalibrationData(QuantizeStep step, Recipe recipe, (LabeledDataset Data, SourceLocation Location)? validation)
    {
        if (step.Calibration is { } calibration)
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
            "quantization needs calibration data: add 'calibration: { data: … }' to this step, or a 'validation' section to calibrate on", step.Location);
    }

    private static (LabeledDataset Data, SourceLocation Location) ReadValidation(ValidationSpec spec, Recipe recipe)
    {
        var data = CsvDatasetReader.Read(spec.Data.Value, spec.LabelColumnName, labelRequired: true,
            spec.FeatureColumns?.Value, recipe.Labels?.Value, spec.Data.Location);
        return (spec.Samples is { } samples ? data.Take(samples.Value) : data, spec.Data.Location);
    }

    private static Measurements Measure(byte[] original, byte[] compressed, (LabeledDataset Data, SourceLocation Location)? validation, Recipe recipe)
    {
        if (validation is not { } v)
        {
            return new Measurements(original.Length, compressed.Length, null, null, null, null, null, null);
        }

        using var originalRunner = ModelRunner.Create(original, recipe.Model.Value, recipe.Model.Location);
        using var compressedRunner = ModelRunner.Create(compressed, $"the compressed '{Path.GetFileName(recipe.Model.Value)}'", recipe.Model.Location);
        var before = ModelEvaluation.Run(originalRunner, v.Data, v.Location);
        var after = ModelEvaluation.Run(compressedRunner, v.Data, v.Location);
        return new Measurements(
            original.Length,
            compressed.Length,
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
