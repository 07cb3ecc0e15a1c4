using System.Runtime.CompilerServices;
using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning;
using EdgeML.Engine.Pruning.Structured;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Quantization.AccuracyAware;
using EdgeML.Engine.Quantization.Dynamic;
using EdgeML.Engine.Quantization.Fp16;
using EdgeML.Engine.Quantization.Smoothing;
using EdgeML.Engine.Quantization.WeightOnly;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;

namespace EdgeML.Engine.Pipeline;

/// <summary>What running a recipe's steps produced: the compressed model, a report per step, and warnings.</summary>
internal sealed record CompressedModel(ModelProto Model, IReadOnlyList<StepReport> Steps, IReadOnlyList<Diagnostic> Warnings);

/// <summary>
/// Runs a recipe's compression steps in order, each on the previous one's output. Calibration data comes from
/// the step's own <c>calibration</c> section, else from a seeded sample of the validation data.
/// </summary>
internal sealed class CompressionSteps(Recipe recipe, (LabeledDataset Data, SourceLocation Location)? validation, PhaseTimings timings)
{
    // Dynamic quantization of activation MatMuls emits DynamicQuantizeLinear, which opset 11 introduced.
    private const long DynamicQuantizeLinearOpset = 11;

    // Node sensitivities per model they were measured on: attempts that quantize the same model reuse them.
    private readonly ConditionalWeakTable<ModelProto, Dictionary<string, double>> _sensitivities = new();

    public CompressedModel Run(ModelProto model, IEnumerable<CompressionStep> steps)
    {
        var reports = new List<StepReport>();
        var warnings = new List<Diagnostic>();
        foreach (var step in steps)
        {
            (model, var report) = step switch
            {
                PruneStep prune => Prune(model, prune),
                PruneChannelsStep channels => PruneChannels(model, channels),
                QuantizeStep quantize => Quantize(model, quantize, warnings),
                _ => throw new EdgeMLException(DiagnosticCodes.InternalError, $"no implementation for step {step.GetType().Name}", step.Location),
            };
            reports.Add(report);
        }

        return new CompressedModel(model, reports, warnings);
    }

    private (ModelProto, StepReport) Prune(ModelProto model, PruneStep step)
    {
        var (pruned, report) = timings.Time("prune", () => MagnitudePruner.Apply(model, step));
        return (pruned, new StepReport("prune") { Pruning = report });
    }

    private (ModelProto, StepReport) PruneChannels(ModelProto model, PruneChannelsStep step)
    {
        // Calibration data is read only when reconstruction or activation importance needs it.
        var calibration = step.Reconstruct || step.Importance == ChannelImportance.Activation
            ? CalibrationData(step.Calibration, step.Location, model).Data
            : null;
        var (pruned, report) = timings.Time("prune_channels", () => ChannelPruner.Apply(model, step, calibration));
        return (pruned, new StepReport("prune_channels") { ChannelPruning = report, CalibrationSamples = calibration?.Count });
    }

    private (ModelProto, StepReport) Quantize(ModelProto model, QuantizeStep step, List<Diagnostic> warnings) => step.Mode switch
    {
        QuantizationMode.Static => StaticQuantize(model, step, warnings),
        QuantizationMode.WeightOnly when step.Rounding == WeightRounding.Gptq => GptqQuantize(model, step, warnings),
        QuantizationMode.WeightOnly => WithoutCalibration((m, s) => WeightOnlyQuantizer.Apply(m, s), model, step, warnings),
        QuantizationMode.Dynamic => DynamicQuantize(OpsetUpgrade.ToAtLeast(model, DynamicQuantizeLinearOpset, step.Location), step, warnings),
        QuantizationMode.Fp16 => WithoutCalibration(Fp16Converter.Apply, model, step, warnings),
        _ => throw new EdgeMLException(DiagnosticCodes.InternalError, $"no implementation for quantize mode {step.Mode}", step.Location),
    };

    private (ModelProto, StepReport) StaticQuantize(ModelProto model, QuantizeStep step, List<Diagnostic> warnings)
    {
        model = OpsetUpgrade.ToAtLeast(model, QdqQuantizer.RequiredOpset(step), step.Location);
        var (calibration, location) = CalibrationData(step.Calibration, step.Location, model);
        SmoothingChoice? smoothing = null;
        if (step.Smoothing is { } smoothingSpec)
        {
            // The chosen smoothed float model computes what the original does; everything below quantizes it instead.
            (model, _, smoothing) = timings.Time("smoothing", () => SmoothingSearch.Run(model, step, (float?)smoothingSpec.Alpha, calibration, location,
                smoothed => StaticQuantizeOnce(smoothed, step, calibration, location), quantized => quantized));
        }

        var plan = QdqQuantizer.Plan(model, step);

        // Nodes given back to float by accuracy_aware have their own warning (EDGEML2104), which names them all.
        WarnSkipped(plan.Skipped.Where(s => !step.FallbackNodes.Contains(s.NodeName, StringComparer.Ordinal)), step, warnings);

        var ranges = timings.Time("calibrate", () => ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, location, Collectors(step)));
        var quantized = timings.Time("quantize", () => QdqQuantizer.Apply(model, plan, ranges, step));
        IReadOnlyList<string>? corrected = null;
        if (step.BiasCorrection)
        {
            (quantized, corrected) = timings.Time("bias_correction", () => BiasCorrection.Apply(model, quantized, plan, calibration, location));
        }

        // Calibration sees neither the inside of subgraphs nor an integer form of LSTM/GRU: those are quantized dynamically.
        var beyondStatic = timings.Time("quantize", () => DynamicQuantizer.ApplyAfterStatic(quantized, step));
        WarnSkipped(beyondStatic.Skipped, step, warnings);
        quantized = beyondStatic.Model;

        // Accuracy-aware steps rank their nodes up front, so that a failing candidate knows which to give back to float.
        var sensitivity = step.AccuracyAware
            ? timings.Time("sensitivity", () => SensitivityAnalysis.Measure(model, plan, ranges, step, calibration, location, _sensitivities.GetOrCreateValue(model)))
            : null;
        return (quantized, new StepReport("quantize")
        {
            QuantizedNodes = [.. plan.QuantizedNodeNames, .. beyondStatic.QuantizedNodeNames],
            SkippedNodes = [.. plan.Skipped, .. beyondStatic.Skipped],
            CalibrationSamples = calibration.Count,
            BiasCorrectedNodes = corrected,
            Sensitivity = sensitivity,
            Smoothing = smoothing,
        });
    }

    // One plain static quantization (plan, calibrate, rewrite): what smoothing compares its candidates with.
    private static ModelProto StaticQuantizeOnce(ModelProto model, QuantizeStep step, LabeledDataset calibration, SourceLocation location)
    {
        var plan = QdqQuantizer.Plan(model, step);
        return QdqQuantizer.Apply(model, plan, ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, location, Collectors(step)), step);
    }

    private static Func<IRangeCollector> Collectors(QuantizeStep step) =>
        RangeCollectors.For(step.Calibration?.Method ?? CalibrationMethod.MinMax, step.Calibration?.Percentile ?? CalibrationSpec.DefaultPercentile);

    // GPTQ measures XᵀX of every layer input on the calibration data in one float run, then quantizes layer by layer.
    private (ModelProto, StepReport) GptqQuantize(ModelProto model, QuantizeStep step, List<Diagnostic> warnings)
    {
        var (calibration, location) = CalibrationData(step.Calibration, step.Location, model);
        var covariances = timings.Time("covariance", () => InputCovariance.Collect(model, WeightOnlyQuantizer.CovariancesNeeded(model, step), calibration, location));
        var (quantized, report) = WithoutCalibration((m, s) => WeightOnlyQuantizer.Apply(m, s, covariances), model, step, warnings);
        return (quantized, report with { CalibrationSamples = calibration.Count });
    }

    // Dynamic quantization needs no activation ranges, but smoothing measures the activations' channels first.
    private (ModelProto, StepReport) DynamicQuantize(ModelProto model, QuantizeStep step, List<Diagnostic> warnings)
    {
        if (step.Smoothing is null)
        {
            return WithoutCalibration(DynamicQuantizer.Apply, model, step, warnings);
        }

        var (calibration, location) = CalibrationData(step.Calibration, step.Location, model);
        var (_, result, smoothing) = timings.Time("smoothing", () =>
            SmoothingSearch.Run(model, step, (float?)step.Smoothing!.Alpha, calibration, location, smoothed => DynamicQuantizer.Apply(smoothed, step), r => r.Model));
        WarnSkipped(result.Skipped, step, warnings);
        return (result.Model, new StepReport("quantize")
        {
            QuantizedNodes = result.QuantizedNodeNames,
            SkippedNodes = result.Skipped,
            CalibrationSamples = calibration.Count,
            Smoothing = smoothing,
        });
    }

    // Weight-only, dynamic and fp16 rewrite the weights alone: one pass, no calibration.
    private (ModelProto, StepReport) WithoutCalibration(Func<ModelProto, QuantizeStep, QuantizationResult> quantizer, ModelProto model, QuantizeStep step, List<Diagnostic> warnings)
    {
        var result = timings.Time("quantize", () => quantizer(model, step));
        WarnSkipped(result.Skipped, step, warnings);
        return (result.Model, new StepReport("quantize") { QuantizedNodes = result.QuantizedNodeNames, SkippedNodes = result.Skipped });
    }

    private static void WarnSkipped(IEnumerable<SkippedNode> skipped, QuantizeStep step, List<Diagnostic> warnings) =>
        warnings.AddRange(skipped.Select(s => new Diagnostic(DiagnosticCodes.NodeLeftInFloat, Severity.Warning,
            $"{s.OpType} node '{s.NodeName}' stays in float: {s.Reason}", step.Location)));

    private (LabeledDataset Data, SourceLocation Location) CalibrationData(CalibrationSpec? spec, SourceLocation stepLocation, ModelProto model) =>
        timings.Time("read_calibration_data", () =>
        {
            if (spec is { } calibration)
            {
                return (RecipeData.Calibration(calibration, recipe, model), calibration.Data.Location);
            }

            if (validation is { } fallback)
            {
                return (fallback.Data.Sample(CalibrationSpec.DefaultSamples, seed: 0), fallback.Location);
            }

            throw new EdgeMLException(DiagnosticCodes.RecipeMissingKey,
                "this step needs calibration data: add 'calibration: { data: … }' to it, or a 'validation' section to calibrate on", stepLocation);
        });
}
