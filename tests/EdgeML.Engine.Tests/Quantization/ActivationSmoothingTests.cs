using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Quantization.Dynamic;
using EdgeML.Engine.Quantization.Smoothing;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Quantization;

/// <summary>
/// SmoothQuant-style smoothing on a block whose activation has a few outlier channels, as transformer LayerNorm
/// outputs do: two projections (think K and V) read it.
/// </summary>
[TestClass]
public sealed class ActivationSmoothingTests
{
    private const int Width = 32;
    private static readonly SourceLocation Here = new("smoothing.edgeml.yaml", 5, 7);

    [TestMethod]
    public void SmoothedFloatModelComputesTheSameFunctionWithOneSharedDivision()
    {
        var model = OutlierModel();
        var data = Inputs(64, seed: 1);
        var statistics = ActivationSmoothing.Measure(model, Step(), data, Here);

        var (smoothed, nodes) = ActivationSmoothing.Apply(model, Step(), statistics, alpha: 0.5f);

        CollectionAssert.IsSubsetOf(new[] { "key", "value" }, nodes.ToArray());
        var divisions = smoothed.Graph.Node.Where(n => n.OpType == "Mul" && n.Input[0] == "hidden").ToArray();
        Assert.HasCount(1, divisions, "the two projections share one division");
        Assert.IsTrue(smoothed.Graph.Node.Where(n => n.Name is "key" or "value").All(n => n.Input[0] == divisions[0].Output[0]));
        Assert.IsLessThan(1e-4f, Evaluate(smoothed, data).MaxAbsoluteDifferenceWith(Evaluate(model, data)));
    }

    [TestMethod]
    public void SmoothingMakesDynamicInt8MoreFaithfulOnOutlierChannels()
    {
        var model = OutlierModel();
        var calibration = Inputs(128, seed: 2);
        var test = Inputs(100, seed: 3);
        var reference = Evaluate(model, test);
        var (smoothed, _) = ActivationSmoothing.Apply(model, Step(), ActivationSmoothing.Measure(model, Step(), calibration, Here), alpha: 0.5f);

        var plain = Evaluate(DynamicQuantizer.Apply(model, Step()).Model, test).MeanCosineSimilarityWith(reference);
        var withSmoothing = Evaluate(DynamicQuantizer.Apply(smoothed, Step()).Model, test).MeanCosineSimilarityWith(reference);

        Assert.IsGreaterThan(plain, withSmoothing);
        Assert.IsGreaterThan(0.999, withSmoothing);
    }

    [TestMethod]
    public void AutoTriesEachAlphaAndNoneAndKeepsTheMostFaithful()
    {
        var model = OutlierModel();
        var calibration = Inputs(128, seed: 4);

        var (smoothed, quantized, choice) = SmoothingSearch.Run(model, Step(), alpha: null, calibration, Here, m => DynamicQuantizer.Apply(m, Step()), r => r.Model);

        CollectionAssert.AreEqual(SmoothingSearch.AutoAlphas.Cast<float?>().Prepend(null).ToArray(), choice.Candidates.Select(c => c.Alpha).ToArray());
        var best = choice.Candidates.MaxBy(c => c.OutputCosine)!;
        Assert.AreEqual(best.Alpha, choice.Alpha);
        Assert.IsNotNull(choice.Alpha, "on outlier channels some smoothing beats none");
        var probe = calibration.Sample(SmoothingSearch.ComparisonSamples, seed: 0);
        Assert.AreEqual(best.OutputCosine, Evaluate(quantized.Model, probe).MeanCosineSimilarityWith(Evaluate(model, probe)), 1e-9);
        Assert.IsLessThan(1e-4f, Evaluate(smoothed, calibration).MaxAbsoluteDifferenceWith(Evaluate(model, calibration)));
    }

    [TestMethod]
    [DataRow(QuantizationMode.Static)]
    [DataRow(QuantizationMode.Dynamic)]
    public void ARecipeWithSmoothingAutoReportsEveryCandidateAndStaysFaithful(QuantizationMode mode)
    {
        using var temp = new TempDirectory();
        var recipe = RandomDataRecipes.Quantize(temp, OutlierModel(), Width, classes: 16);
        var step = (QuantizeStep)recipe.Steps[0] with { Mode = mode, Smoothing = new SmoothingSpec(Here, null), Activations = QuantizeStep.DefaultActivations };
        recipe = recipe with { Steps = [step] };

        var outcome = RandomDataRecipes.Optimize(temp, recipe);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var smoothing = outcome.Report.Steps.Single().Smoothing!;
        Assert.HasCount(SmoothingSearch.AutoAlphas.Count + 1, smoothing.Candidates);
        Assert.AreEqual(smoothing.Candidates.Max(c => c.OutputCosine), smoothing.Candidates.Single(c => c.Alpha == smoothing.Alpha).OutputCosine);
        Assert.IsGreaterThanOrEqualTo(0.99, outcome.Report.Measurements.MeanCosineSimilarity!.Value);
    }

    [TestMethod]
    public void AFixedAlphaIsAppliedWithoutASearch()
    {
        var model = OutlierModel();

        var (_, _, choice) = SmoothingSearch.Run(model, Step(), alpha: 0.7f, Inputs(16, seed: 5), Here, m => DynamicQuantizer.Apply(m, Step()), r => r.Model);

        Assert.AreEqual(0.7f, choice.Alpha);
        Assert.IsEmpty(choice.Candidates);
        CollectionAssert.IsSubsetOf(new[] { "key", "value" }, choice.SmoothedNodes.ToArray());
    }

    [TestMethod]
    public void ExcludedLayersAreNotSmoothed()
    {
        var model = OutlierModel();
        var step = Step() with { ExcludeNodes = ["key"] };

        var (smoothed, nodes) = ActivationSmoothing.Apply(model, step, ActivationSmoothing.Measure(model, step, Inputs(16, seed: 6), Here), alpha: 0.5f);

        CollectionAssert.Contains(nodes.ToArray(), "value");
        CollectionAssert.DoesNotContain(nodes.ToArray(), "key");
        Assert.AreEqual("hidden", smoothed.Graph.Node.Single(n => n.Name == "key").Input[0]);
    }

    private static QuantizeStep Step() =>
        new(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null) { Mode = QuantizationMode.Dynamic };

    private static ModelEvaluation Evaluate(ModelProto model, LabeledDataset data)
    {
        using var runner = ModelRunner.Create(model.ToByteArray(), "model");
        return ModelEvaluation.Run(runner, data, Here);
    }

    private static LabeledDataset Inputs(int samples, int seed) => RandomData.Uniform(samples, Width, seed);

    /// <summary>x → dense → ×(1, …, 1, 60, 1, …, 80, …) → key and value projections (sum of both is the output).</summary>
    private static ModelProto OutlierModel()
    {
        var builder = new TestModelBuilder(seed: 9);
        var x = builder.Input("x", Width);
        var dense = builder.MatMulAdd(x, Width, Width);
        var outliers = Enumerable.Range(0, Width).Select(c => c switch { 3 => 60f, 17 => 80f, 25 => -50f, _ => 1f }).ToArray();
        builder.Graph.Node.Add(Nodes.Create("Mul", [dense, builder.Initializer("outlier_scale", [Width], outliers)], ["hidden"], "scale_channels"));
        var key = builder.Node("MatMul", ["hidden", builder.Initializer("key.weight", [Width, 16], MathF.Sqrt(2f / Width))], "key");
        var value = builder.Node("MatMul", ["hidden", builder.Initializer("value.weight", [Width, 16], MathF.Sqrt(2f / Width))], "value");
        builder.Graph.Node.Add(Nodes.Create("Add", [key, value], ["output"], "sum"));
        builder.Output("output", 16);
        return builder.Build();
    }
}
