using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Pipeline;

[TestClass]
public sealed class RecipeOptimizerTests
{
    [TestMethod]
    public void TheDigitsModelIsQuantizedWithinItsGateAndCached()
    {
        using var temp = new TempDirectory();
        var recipe = DigitsRecipe(temp, new AccuracyGate(null, At(temp, 0.01, 12)));
        var layout = new OutputLayout(temp.File("out"), recipe.Id);
        var optimizer = new RecipeOptimizer(new OptimizationCache(temp.File("cache")));

        var first = Optimize(optimizer, recipe, layout);
        var second = Optimize(optimizer, recipe, layout);

        Assert.IsTrue(first.Succeeded, string.Join("\n", first.Diagnostics));
        Assert.IsFalse(first.FromCache);
        Assert.IsTrue(second.FromCache, "an unchanged recipe, model and data reuse the cached result");
        var measured = first.Report.Measurements;
        Assert.IsLessThan(0.27, measured.SizeRatio);
        Assert.IsGreaterThan(0.9, measured.CompressedAccuracy!.Value);
        Assert.IsGreaterThanOrEqualTo(0.98, measured.Agreement!.Value);
        Assert.AreEqual(measured.CompressedBytes, new FileInfo(layout.Model).Length);
        OnnxModelFile.Load(layout.Model);
        var report = OptimizationReport.FromJson(File.ReadAllText(layout.Report));
        Assert.IsTrue(report.Passed);
        CollectionAssert.AreEqual(new[] { "fc1", "fc2", "fc3" }, report.Steps.Single().QuantizedNodes!.ToArray());
        Assert.AreEqual(CalibrationSpec.DefaultSamples, report.Steps.Single().CalibrationSamples, "calibrates on a sample of the validation data");
    }

    [TestMethod]
    public void AFailedGateReportsAtTheRecipeLineAndLeavesNoModelAndNoCacheEntry()
    {
        using var temp = new TempDirectory();
        var recipe = DigitsRecipe(temp, new AccuracyGate(At(temp, 0.9999, 11), null));
        var layout = new OutputLayout(temp.File("out"), recipe.Id);
        var cache = new OptimizationCache(temp.File("cache"));

        var outcome = Optimize(new RecipeOptimizer(cache), recipe, layout);

        Assert.IsFalse(outcome.Succeeded);
        var error = outcome.Diagnostics.Single(d => d.Severity == Severity.Error);
        Assert.AreEqual(DiagnosticCodes.GateAccuracy, error.Code);
        Assert.AreEqual(new SourceLocation(recipe.FilePath, 11, 12), error.Location);
        Assert.IsFalse(File.Exists(layout.Model), "a model that failed its gates is never published");
        Assert.IsTrue(File.Exists(layout.Report), "the report explains the failure");
        Assert.IsNull(cache.TryGet(OptimizationCache.ComputeKey(recipe)), "failures are not cached");
    }

    [TestMethod]
    public void TheCacheKeyChangesWithTheData()
    {
        using var temp = new TempDirectory();
        var recipe = DigitsRecipe(temp, null);
        var before = OptimizationCache.ComputeKey(recipe);

        File.AppendAllText(recipe.Validation!.Data.Value, "1" + string.Concat(Enumerable.Repeat(",0", 784)) + "\n");

        Assert.AreNotEqual(before, OptimizationCache.ComputeKey(recipe));
    }

    [TestMethod]
    public void QuantizingWithoutAnyDataSaysWhereToAddIt()
    {
        using var temp = new TempDirectory();
        var recipe = DigitsRecipe(temp, null) with { Validation = null };

        var error = Assert.ThrowsExactly<EdgeMLException>(() => Optimize(new RecipeOptimizer(new OptimizationCache(temp.File("cache"))), recipe, new OutputLayout(temp.File("out"), "digits")));

        Assert.AreEqual(DiagnosticCodes.RecipeMissingKey, error.Diagnostic.Code);
        Assert.AreEqual(recipe.Steps[0].Location, error.Diagnostic.Location);
    }

    private static OptimizationOutcome Optimize(RecipeOptimizer optimizer, Recipe recipe, OutputLayout layout)
    {
        var bytes = File.ReadAllBytes(recipe.Model.Value);
        return optimizer.Optimize(recipe, bytes, OnnxModelFile.Parse(bytes, recipe.Model.Value), layout);
    }

    private static Located<double> At(TempDirectory temp, double value, int line) => new(value, new SourceLocation(temp.File(RecipeFile), line, 12));

    private const string RecipeFile = "digits.edgeml.yaml";

    private static Recipe DigitsRecipe(TempDirectory temp, AccuracyGate? accuracy)
    {
        var recipePath = temp.Write(RecipeFile, "# stands in for the recipe text in the cache key\n");
        var model = temp.File("digits.onnx");
        File.Copy(SampleModels.DigitsModel, model);
        var data = temp.File("digits-test.csv");
        File.Copy(SampleModels.DigitsData, data);
        var where = new SourceLocation(recipePath, 1, 1);
        return new Recipe(
            recipePath,
            new Located<string>(model, where),
            null,
            null,
            null,
            [new QuantizeStep(new SourceLocation(recipePath, 5, 5), WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null)],
            new ValidationSpec(new Located<string>(data, where), null, null, null),
            new GateSpec(accuracy, null, null, null));
    }
}
