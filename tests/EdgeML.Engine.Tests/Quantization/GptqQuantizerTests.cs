using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization.WeightOnly;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Quantization;

/// <summary>GPTQ (<c>algorithm: gptq</c>) against round-to-nearest on a layer whose inputs are correlated, as real activations are.</summary>
[TestClass]
public sealed class GptqQuantizerTests
{
    private const int Features = 64;
    private static readonly SourceLocation Here = new("gptq.edgeml.yaml", 4, 7);

    [TestMethod]
    public void TheUpperFactorInvertsTheCovariance()
    {
        var random = new Random(3);
        var a = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 12).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        var h = Enumerable.Range(0, 12).Select(i => Enumerable.Range(0, 12).Select(j => a.Sum(row => row[i] * row[j]) + (i == j ? 0.1 : 0)).ToArray()).ToArray();

        var u = GptqQuantizer.UpperInverseCholeskyFactor(h);

        for (var i = 0; i < 12; i++)
        {
            for (var j = 0; j < 12; j++)
            {
                // (UᵀU)·H = I, and U is upper triangular.
                var product = Enumerable.Range(0, 12).Sum(m => Enumerable.Range(0, 12).Sum(k => u[k][i] * u[k][m]) * h[m][j]);
                Assert.AreEqual(i == j ? 1 : 0, product, 1e-9, $"({i}, {j})");
                if (j < i)
                {
                    Assert.AreEqual(0, u[i][j]);
                }
            }
        }
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void GptqHalvesTheOutputErrorOfRoundToNearestOnCorrelatedInputs(bool symmetric)
    {
        var model = CorrelatedLayer();
        var step = Step() with { Symmetric = symmetric };
        var calibration = RandomData.Uniform(256, Features, seed: 1, min: -1f);
        var test = RandomData.Uniform(200, Features, seed: 2, min: -1f);

        var covariances = InputCovariance.Collect(model, WeightOnlyQuantizer.CovariancesNeeded(model, step), calibration, Here);
        var rounded = WeightOnlyQuantizer.Apply(model, step).Model;
        var gptq = WeightOnlyQuantizer.Apply(model, step, covariances).Model;

        Assert.HasCount(1, covariances, "the mixing is excluded: only the layer under test is quantized");
        Assert.AreEqual(256, covariances["mixed"].Rows);
        var roundedError = ModelSimilarity.MeanSquaredError(model, rounded, test);
        var gptqError = ModelSimilarity.MeanSquaredError(model, gptq, test);
        Assert.IsLessThan(0.5 * roundedError, gptqError, $"round to nearest {roundedError}, GPTQ {gptqError}");
    }

    [TestMethod]
    public void ALayerWithoutCovarianceIsRoundedToNearest()
    {
        var model = CorrelatedLayer();

        var withoutData = WeightOnlyQuantizer.Apply(model, Step(), new Dictionary<string, InputCovariance>());

        Assert.AreEqual(WeightOnlyQuantizer.Apply(model, Step()).Model.ToString(), withoutData.Model.ToString());
    }

    [TestMethod]
    public void AGptqRecipeMeasuresCovariancesOnTheCalibrationDataAndQuantizes()
    {
        using var temp = new TempDirectory();
        var recipe = RandomDataRecipes.Quantize(temp, CorrelatedLayer(), Features, classes: 48);
        recipe = recipe with { Steps = [Step() with { Location = recipe.Steps[0].Location }] };

        var outcome = RandomDataRecipes.Optimize(temp, recipe);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var step = outcome.Report.Steps.Single();
        CollectionAssert.AreEqual(new[] { "layer" }, step.QuantizedNodes!.ToArray());
        Assert.AreEqual(CalibrationSpec.DefaultSamples, step.CalibrationSamples);
        Assert.IsGreaterThanOrEqualTo(0.99, outcome.Report.Measurements.MeanCosineSimilarity!.Value);
    }

    private static QuantizeStep Step() =>
        new(Here, WeightType.Int4, ActivationType.UInt8, PerChannel: true, ["MatMul"], ["mix"], null) { Mode = QuantizationMode.WeightOnly, Rounding = WeightRounding.Gptq };

    /// <summary>
    /// x [N, 64] → a fixed float mixing of rank 8 plus a little of x (left in float: excluded), so the features of
    /// "mixed" are strongly correlated, as real activations are → the MatMul [64, 48] under test.
    /// </summary>
    private static ModelProto CorrelatedLayer()
    {
        const int Rank = 8;
        var builder = new TestModelBuilder(seed: 6);
        var x = builder.Input("x", Features);
        var random = new Random(7);
        var a = Enumerable.Range(0, Features * Rank).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var b = Enumerable.Range(0, Rank * Features).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var mixing = new float[Features * Features];
        for (var i = 0; i < Features; i++)
        {
            for (var j = 0; j < Features; j++)
            {
                mixing[(i * Features) + j] = Enumerable.Range(0, Rank).Sum(r => a[(i * Rank) + r] * b[(r * Features) + j]) / Rank + (i == j ? 0.05f : 0f);
            }
        }

        builder.Graph.Node.Add(Nodes.Create("MatMul", [x, builder.Initializer("mixing", [Features, Features], mixing)], ["mixed"], "mix"));
        var output = builder.Node("MatMul", ["mixed", builder.Initializer("weight", [Features, 48], MathF.Sqrt(2f / Features))], "layer");
        builder.Output(output, 48);
        return builder.Build();
    }
}
