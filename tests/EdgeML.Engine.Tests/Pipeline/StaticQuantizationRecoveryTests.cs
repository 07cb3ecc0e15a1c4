using System.Globalization;
using System.Text;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Pipeline;

/// <summary>Recipes that win back accuracy lost to int8: <c>accuracy_aware</c> fallback to float and <c>bias_correction</c>.</summary>
[TestClass]
public sealed class StaticQuantizationRecoveryTests
{
    private const int Features = 16;

    [TestMethod]
    public void WithoutAccuracyAwareTheSensitiveLayerFailsTheGate()
    {
        using var temp = new TempDirectory();
        var recipe = SensitiveRecipe(temp, accuracyAware: false);

        var outcome = Optimize(temp, recipe);

        Assert.IsFalse(outcome.Succeeded);
        Assert.AreEqual(DiagnosticCodes.GateAgreement, outcome.Diagnostics.Single(d => d.Severity == Severity.Error).Code);
        Assert.IsLessThan(0.9, outcome.Report.Measurements.Agreement!.Value, "measured: 0.77");
        Assert.IsNull(outcome.Report.Fallbacks);
    }

    [TestMethod]
    public void AccuracyAwareGivesTheSensitiveLayerBackToFloatAndPasses()
    {
        using var temp = new TempDirectory();
        var recipe = SensitiveRecipe(temp, accuracyAware: true);

        var outcome = Optimize(temp, recipe);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var fallback = outcome.Report.Fallbacks!.Single();
        Assert.AreEqual("fc1", fallback.Node, "only the layer with the outlier weight goes back to float");
        CollectionAssert.AreEqual(new[] { "agreement.min" }, fallback.FailedGates.ToArray());
        var step = outcome.Report.Steps.Single();
        CollectionAssert.AreEqual(new[] { "fc2" }, step.QuantizedNodes!.ToArray());
        Assert.AreEqual("fell back to float to pass the gates (accuracy_aware)", step.SkippedNodes!.Single().Reason);
        Assert.IsFalse(outcome.Diagnostics.Any(d => d.Code == DiagnosticCodes.NodeLeftInFloat), "EDGEML2104 names the node; no second warning");
        var warning = outcome.Diagnostics.Single(d => d.Code == DiagnosticCodes.LayersFellBackToFloat);
        Assert.AreEqual(Severity.Warning, warning.Severity);
        Assert.AreEqual(recipe.Steps[0].Location, warning.Location);
        Assert.Contains("'fc1'", warning.Message);
        Assert.IsLessThan(step.Sensitivity!.Single().SqnrDb - 20, fallback.SqnrDb, "measured: fc1 10 dB, fc2 41 dB");
        Assert.IsGreaterThanOrEqualTo(0.95, outcome.Report.Measurements.Agreement!.Value, "measured: 0.997");
    }

    [TestMethod]
    public void BiasCorrectionRunsInsideTheQuantizeStepAndIsReported()
    {
        using var temp = new TempDirectory();
        var recipe = SensitiveRecipe(temp, accuracyAware: false, biasCorrection: true);

        var outcome = Optimize(temp, recipe);

        CollectionAssert.AreEqual(new[] { "fc1", "fc2" }, outcome.Report.Steps.Single().BiasCorrectedNodes!.ToArray());
        Assert.IsTrue(outcome.Report.TimingsSeconds.ContainsKey("bias_correction"));
    }

    // Accuracy is the subject here: one fixed latency for every model keeps the machine's speed (and the latency
    // alternatives accuracy_aware tries when a result is slower) out of it; LatencyAwareQuantizationTests covers those.
    private static OptimizationOutcome Optimize(TempDirectory temp, Recipe recipe)
    {
        var bytes = File.ReadAllBytes(recipe.Model.Value);
        return new RecipeOptimizer(new OptimizationCache(temp.File("cache")), (_, _, _) => new LatencyStats(1, 1, 1))
            .Optimize(recipe, bytes, OnnxModelFile.Parse(bytes, recipe.Model.Value), new OutputLayout(temp.File("out"), recipe.Id));
    }

    // fc1 has one huge weight on an input that is always 0: harmless in float, but with one scale per tensor
    // (per_channel: false) it rounds every other weight of fc1 to a few levels. fc2 quantizes well.
    private static Recipe SensitiveRecipe(TempDirectory temp, bool accuracyAware, bool biasCorrection = false)
    {
        var recipePath = temp.Write("sensitive.edgeml.yaml", "# stands in for the recipe text in the cache key\n");
        var builder = new TestModelBuilder(seed: 11);
        var x = builder.Input("x", Features);
        var weights = RandomData.Normal(32 * Features, seed: 3).Select(v => v * 0.35f).ToArray();
        weights[0] = 50f;
        var h = builder.Relu(builder.Node("Gemm", [x, builder.Initializer("fc1.weight", [32, Features], weights), builder.Initializer("fc1.bias", [32], 0.1f)], "fc1", Nodes.Int("transB", 1)));
        builder.Output(builder.Gemm(h, 32, 10, "fc2"), 10);
        var model = temp.File("sensitive.onnx");
        OnnxModelFile.Save(builder.Build(), model);

        var where = new SourceLocation(recipePath, 1, 1);
        var step = new QuantizeStep(new SourceLocation(recipePath, 5, 5), WeightType.Int8, ActivationType.Int8, PerChannel: false, QuantizeStep.DefaultOpTypes, [], null)
        {
            AccuracyAware = accuracyAware,
            BiasCorrection = biasCorrection,
        };
        return new Recipe(recipePath, new Located<string>(model, where), null, null, null, [step],
            new ValidationSpec(new Located<string>(WriteData(temp), where), null, null, null),
            new GateSpec(null, new AgreementGate(new Located<double>(0.95, new SourceLocation(recipePath, 9, 12))), null, null));
    }

    // Feature 0 is always 0; the others are uniform in [0, 1]. Agreement does not read the labels.
    private static string WriteData(TempDirectory temp)
    {
        var random = new Random(5);
        var csv = new StringBuilder("label," + string.Join(",", Enumerable.Range(0, Features).Select(i => $"f{i}")) + "\n");
        for (var row = 0; row < 300; row++)
        {
            csv.Append(row % 10).Append(",0");
            for (var i = 1; i < Features; i++)
            {
                csv.Append(',').Append(random.NextDouble().ToString("0.####", CultureInfo.InvariantCulture));
            }

            csv.Append('\n');
        }

        return temp.Write("sensitive.csv", csv.ToString());
    }
}
