using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using Google.Protobuf;

namespace EdgeML.Benchmarks;

/// <summary>The digits sample model as shipped (float) and as the engine compresses it (int8 QDQ), plus test samples.</summary>
internal static class DigitsModels
{
    private const int CalibrationSamples = 256;

    private static readonly SourceLocation Here = new("EdgeML.Benchmarks", 1, 1);

    private static readonly Lazy<byte[]> Float = new(() => File.ReadAllBytes(PathOf("digits.onnx")));

    private static readonly Lazy<byte[]> Int8 = new(Quantize);

    private static readonly Lazy<LabeledDataset> Test = new(() =>
        CsvDatasetReader.Read(PathOf("digits-test.csv"), "label", labelRequired: true, featureColumns: null, labelNames: null, Here));

    /// <summary>The model's bytes: <c>float</c> or <c>int8</c>.</summary>
    public static byte[] Bytes(string precision) => precision switch
    {
        "float" => Float.Value,
        "int8" => Int8.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "float or int8"),
    };

    /// <summary>One test sample's pixels.</summary>
    public static float[] Sample(int index) => Test.Value.Sample(index).ToArray();

    // The same calls the build makes for a `quantize: { weights: int8, activations: int8 }` step.
    private static byte[] Quantize()
    {
        var model = OnnxModelFile.Load(PathOf("digits.onnx"));
        var step = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], Calibration: null);
        var plan = QdqQuantizer.Plan(model, step);
        var ranges = ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, Test.Value.Sample(CalibrationSamples, seed: 1), Here);
        return QdqQuantizer.Apply(model, plan, ranges, step).ToByteArray();
    }

    public static string PathOf(string fileName)
    {
        // Benchmarks run from BenchmarkDotNet's generated project folders, so look upwards for the repository.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "samples", "Digits", "models", fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"samples/Digits/models/{fileName} not found above {AppContext.BaseDirectory}.");
    }
}
