using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Calibration;

/// <summary>
/// Calibration data that is standard normal but for one huge value in one sample of 2,048: min-max ranges
/// stretch to the outlier (in the input, and in every hidden unit it reaches) and crush the bulk into a few
/// int8 steps; percentile and entropy ranges stay near the bulk.
/// </summary>
[TestClass]
public sealed class CalibrationFidelityTests
{
    private const int Features = 32;
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void PercentileAndEntropyRangesAreTighterAndTheModelMoreFaithfulThanMinMax()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", Features);
        var hidden = builder.Gemm(x, Features, 64, "hidden");
        builder.Output(builder.Gemm(hidden, 64, 10, "head"), 10);
        var model = builder.Build();
        var step = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null);
        var plan = QdqQuantizer.Plan(model, step);
        var calibration = new LabeledDataset("outliers", WithOutliers(RandomData.Normal(2048 * Features)), Features, labels: null);
        var test = new LabeledDataset("clean", RandomData.Normal(256 * Features, seed: 11), Features, labels: null);

        using var original = ModelRunner.Create(model.ToByteArray(), "original");
        var reference = ModelEvaluation.Run(original, test, Here);
        var results = new[] { CalibrationMethod.MinMax, CalibrationMethod.Percentile, CalibrationMethod.Entropy }.ToDictionary(method => method, method =>
        {
            var ranges = ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, Here, RangeCollectors.For(method, percentile: 99.9));
            using var runner = ModelRunner.Create(QdqQuantizer.Apply(model, plan, ranges, step).ToByteArray(), method.ToString());
            var cosine = ModelEvaluation.Run(runner, test, Here).MeanCosineSimilarityWith(reference);
            TestContext.WriteLine($"{method}: x {ranges[x]}, hidden {ranges[hidden]}, cosine {cosine:F5}");
            return (Ranges: ranges, Cosine: cosine);
        });

        var minMax = results[CalibrationMethod.MinMax];
        foreach (var method in new[] { CalibrationMethod.Percentile, CalibrationMethod.Entropy })
        {
            var (ranges, cosine) = results[method];
            foreach (var tensor in new[] { x, hidden })
            {
                Assert.IsLessThan(Width(minMax.Ranges[tensor]) / 4, Width(ranges[tensor]), $"{method} range of {tensor}");
            }

            Assert.IsGreaterThan(minMax.Cosine, cosine, $"{method} is more faithful than min-max");
            Assert.IsGreaterThan(0.99, cosine, method.ToString());
        }
    }

    private static float[] WithOutliers(float[] values)
    {
        for (var sample = 0; sample < values.Length / Features; sample += 2048)
        {
            values[(sample * Features) + 3] = 100f;
        }

        values[(1000 * Features) + 17] = -100f;
        return values;
    }

    private static float Width(TensorRange range) => range.Max - range.Min;
}
