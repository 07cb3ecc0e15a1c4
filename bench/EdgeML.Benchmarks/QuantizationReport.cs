using System.Diagnostics;
using System.Globalization;
using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Quantization.Dynamic;
using EdgeML.Engine.Quantization.Smoothing;
using EdgeML.Engine.Quantization.WeightOnly;
using EdgeML.Engine.Recipes;
using Google.Protobuf;

namespace EdgeML.Benchmarks;

/// <summary>
/// `--quantization`: each quantization mode on models of realistic size (a 12M-parameter residual CNN and a
/// 10.6M-parameter transformer encoder, seeded random weights): size, fidelity, single-thread latency and the
/// time quantization takes next to the float inferences it needs — the same engine calls a build makes.
/// </summary>
internal static class QuantizationReport
{
    private const int CalibrationSamples = 128;
    private static readonly SourceLocation Here = new("EdgeML.Benchmarks", 1, 1);

    public static void Run()
    {
        Console.WriteLine("| model | mode | size × float | output cosine | top-1 agreement | p95 latency (float → quantized, 1 thread) | × | quantization time | × N float inferences (batched / one by one) |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Row("residual CNN, 12M parameters", SyntheticModels.WideResidualCnn(), Random(3 * 32 * 32), Step(QuantizationMode.Static));
        var transformer = SyntheticModels.TransformerEncoder();
        var miniLm = GraphPreparation.Prepare(MiniLm.Model()).Model;
        var passages = (Calibration: MiniLm.Passages(skip: 0, CalibrationSamples), Test: MiniLm.Passages(skip: CalibrationSamples, 50));
        foreach (var mode in new[] { QuantizationMode.Static, QuantizationMode.Dynamic, QuantizationMode.WeightOnly })
        {
            Row("transformer encoder, 10.6M parameters", transformer, Random(64 * 384), Step(mode));
            Row("all-MiniLM-L6-v2, 22.7M parameters (real)", miniLm, passages, Step(mode));
        }

        Row("all-MiniLM-L6-v2, 22.7M parameters (real)", miniLm, passages, Step(QuantizationMode.Dynamic) with { Smoothing = new SmoothingSpec(Here, null) });
        Row("transformer encoder, 10.6M parameters", transformer, Random(64 * 384), Step(QuantizationMode.WeightOnly) with { Rounding = WeightRounding.Gptq });
        Row("all-MiniLM-L6-v2, 22.7M parameters (real)", miniLm, passages, Step(QuantizationMode.WeightOnly) with { Rounding = WeightRounding.Gptq });
    }

    /// <summary>
    /// `--calibration-memory`: the process's peak resident memory before and after static calibration of the real
    /// 22.7M-parameter transformer on 256 sentences — in a process of its own, so that the peak is calibration's.
    /// </summary>
    public static void CalibrationMemory()
    {
        var model = GraphPreparation.Prepare(MiniLm.Model()).Model;
        var calibration = MiniLm.Passages(skip: 0, 256);
        var step = Step(QuantizationMode.Static);
        var plan = QdqQuantizer.Plan(model, step);
        var before = PeakResidentBytes();
        var stopwatch = Stopwatch.StartNew();
        var ranges = ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, Here);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"all-MiniLM-L6-v2, {calibration.Count} samples × {MiniLm.SequenceLength} tokens, {ranges.Count} tensors calibrated in {stopwatch.Elapsed.TotalSeconds:0.0} s: peak resident memory {before / 1e9:0.00} GB before calibration, {PeakResidentBytes() / 1e9:0.00} GB after"));
    }

    // VmHWM: the most resident memory the process has had, native allocations (ONNX Runtime's) included.
    private static long PeakResidentBytes() =>
        long.Parse(File.ReadLines("/proc/self/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    private static (LabeledDataset Calibration, LabeledDataset Test) Random(int features) =>
        (SyntheticModels.RandomInputs(CalibrationSamples, features, seed: 1), SyntheticModels.RandomInputs(100, features, seed: 2));

    // What a recipe naming only the mode gets (`- quantize: { mode: ... }`): its default weights, activations and operator types.
    private static QuantizeStep Step(QuantizationMode mode) =>
        new(Here, mode == QuantizationMode.WeightOnly ? WeightType.Int4 : WeightType.Int8, QuantizeStep.DefaultActivations, PerChannel: true, QuantizeStep.DefaultOpTypesFor(mode), [], null) { Mode = mode };

    private static void Row(string label, ModelProto model, (LabeledDataset Calibration, LabeledDataset Test) data, QuantizeStep step)
    {
        var (calibration, test) = data;
        var mode = step.Mode;

        var stopwatch = Stopwatch.StartNew();
        SmoothingChoice? smoothing = null;
        var quantized = mode switch
        {
            QuantizationMode.Static => Static(model, step, calibration),
            QuantizationMode.Dynamic when step.Smoothing is not null => Smoothed(model, step, calibration, out smoothing),
            QuantizationMode.Dynamic => DynamicQuantizer.Apply(model, step).Model,
            _ when step.Rounding == WeightRounding.Gptq => WeightOnlyQuantizer.Apply(model, step, InputCovariance.Collect(model, WeightOnlyQuantizer.CovariancesNeeded(model, step), calibration, Here)).Model,
            _ => WeightOnlyQuantizer.Apply(model, step).Model,
        };
        var quantizeSeconds = stopwatch.Elapsed.TotalSeconds;

        var floatBytes = model.ToByteArray();
        var quantizedBytes = quantized.ToByteArray();
        using var original = ModelRunner.Create(floatBytes, label);
        using var compressed = ModelRunner.Create(quantizedBytes, label);
        var (batched, single) = FloatInferenceTime(original, calibration);
        var before = ModelEvaluation.Run(original, test, Here);
        var after = ModelEvaluation.Run(compressed, test, Here);
        var latencyBefore = LatencyProbe.Measure(original, test).P95Milliseconds;
        var latencyAfter = LatencyProbe.Measure(compressed, test).P95Milliseconds;
        var name = (mode == QuantizationMode.WeightOnly ? $"weight-only int4 (bs 32, asymmetric, {step.Rounding.ToString().ToUpperInvariant()})" : $"{mode.ToString().ToLowerInvariant()} int8")
            + (smoothing is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" + smoothing: auto (α = {smoothing.Alpha?.ToString("0.0", CultureInfo.InvariantCulture) ?? "none"})"));
        // Top-1 agreement means something for a classifier's scores, not for an encoder's hidden states.
        var agreement = before.OutputLength <= 1000 ? after.AgreementWith(before).ToString("0.000", CultureInfo.InvariantCulture) : "—";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {name} | {quantizedBytes.Length / (double)floatBytes.Length:0.000} | {after.MeanCosineSimilarityWith(before):0.0000} | {agreement} | {latencyBefore:0.0} → {latencyAfter:0.0} ms | {latencyAfter / latencyBefore:0.00} | {quantizeSeconds:0.0} s | {quantizeSeconds / batched:0.0} / {quantizeSeconds / single:0.0} |"));
    }

    // The build's static path: plan, calibrate the activations, rewrite.
    private static ModelProto Static(ModelProto model, QuantizeStep step, LabeledDataset calibration)
    {
        var plan = QdqQuantizer.Plan(model, step);
        var ranges = ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, Here);
        return QdqQuantizer.Apply(model, plan, ranges, step);
    }

    // The pipeline's dynamic path with `smoothing: auto`: every α is quantized and compared on the calibration data.
    private static ModelProto Smoothed(ModelProto model, QuantizeStep step, LabeledDataset calibration, out SmoothingChoice choice)
    {
        (_, var quantized, choice) = SmoothingSearch.Run(model, step, alpha: null, calibration, Here, m => DynamicQuantizer.Apply(m, step).Model, m => m);
        return quantized;
    }

    // N float inferences of the calibration samples, in batches (as calibration runs them) and one by one.
    private static (double Batched, double Single) FloatInferenceTime(ModelRunner runner, LabeledDataset data)
    {
        var batched = Stopwatch.StartNew();
        runner.RunBatches(data, [runner.OutputNames[0]], _ => { });
        var batchedSeconds = batched.Elapsed.TotalSeconds;
        var single = Stopwatch.StartNew();
        for (var i = 0; i < data.Count; i++)
        {
            runner.RunSingle(data, i);
        }

        return (batchedSeconds, single.Elapsed.TotalSeconds);
    }

}
