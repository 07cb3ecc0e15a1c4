using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;
using EdgeML.Engine.Tests.Support;
using EdgeML.Runtime;

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

    [TestMethod]
    public void PrunedAndQuantizedModelsAreEmbeddedBrotliCompressedAtUnderAFifthOfTheSize()
    {
        using var temp = new TempDirectory();
        var digits = DigitsRecipe(temp, null);
        var recipe = digits with
        {
            Steps = [new PruneStep(new SourceLocation(digits.FilePath, 4, 5), At(temp, 0.5, 4), PruningScope.Layer, new Dictionary<string, Located<double>>(), PruneStep.DefaultOpTypes, []), .. digits.Steps],
            Storage = ModelStorage.Brotli,
        };
        var layout = new OutputLayout(temp.File("out"), recipe.Id);

        var outcome = Optimize(new RecipeOptimizer(new OptimizationCache(temp.File("cache"))), recipe, layout);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var measured = outcome.Report.Measurements;
        Assert.IsLessThanOrEqualTo(0.18, measured.SizeRatio, "50% unstructured + int8, Brotli-stored");
        Assert.AreEqual(measured.EmbeddedBytes, new FileInfo(layout.StoredModel(ModelStorage.Brotli)).Length);
        CollectionAssert.AreEqual(File.ReadAllBytes(layout.Model), ModelStorageCodec.Decode(File.ReadAllBytes(layout.StoredModel(ModelStorage.Brotli)), ModelStorage.Brotli));
        EdgeMLModelManifest.Parse(File.ReadAllBytes(layout.Manifest)).VerifyIntegrity(File.ReadAllBytes(layout.Model));
        Assert.AreEqual(0.5, outcome.Report.Steps[0].Pruning!.Sparsity, 0.001);
        Assert.IsGreaterThan(0.9, measured.CompressedAccuracy!.Value, "the digits still read well");
    }

    [TestMethod]
    public void WeightOnlyInt4DigitsPassTheAccuracyGateAtUnderAFifthOfTheSize()
    {
        using var temp = new TempDirectory();
        var digits = DigitsRecipe(temp, new AccuracyGate(At(temp, 0.9, 12), null));
        var recipe = digits with
        {
            Steps = [new QuantizeStep(new SourceLocation(digits.FilePath, 5, 5), WeightType.Int4, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null) { Mode = QuantizationMode.WeightOnly }],
        };
        var layout = new OutputLayout(temp.File("out"), recipe.Id);

        var outcome = Optimize(new RecipeOptimizer(new OptimizationCache(temp.File("cache"))), recipe, layout);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var measured = outcome.Report.Measurements;
        Assert.IsGreaterThanOrEqualTo(0.9, measured.CompressedAccuracy!.Value);
        Assert.IsLessThan(0.2, measured.SizeRatio, "int4 blocks of 32 with a float scale each: 4.5 bits a weight");
        var step = outcome.Report.Steps.Single();
        CollectionAssert.AreEqual(new[] { "fc1", "fc2", "fc3" }, step.QuantizedNodes!.ToArray(), "the Gemms become MatMulNBits + Add");
        Assert.IsNull(step.CalibrationSamples, "weight-only quantization needs no calibration");
        Assert.IsTrue(OnnxModelFile.Load(layout.Model).Graph.Node.Any(n => n.OpType == "MatMulNBits"));
    }

    [TestMethod]
    public void DynamicInt8DigitsPassTheAccuracyGateWithoutCalibration()
    {
        using var temp = new TempDirectory();
        var digits = DigitsRecipe(temp, new AccuracyGate(At(temp, 0.95, 12), null));
        var recipe = digits with
        {
            Steps = [new QuantizeStep(new SourceLocation(digits.FilePath, 5, 5), WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null) { Mode = QuantizationMode.Dynamic }],
        };
        var layout = new OutputLayout(temp.File("out"), recipe.Id);

        var outcome = Optimize(new RecipeOptimizer(new OptimizationCache(temp.File("cache"))), recipe, layout);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var measured = outcome.Report.Measurements;
        Assert.IsGreaterThanOrEqualTo(0.95, measured.CompressedAccuracy!.Value);
        Assert.IsLessThan(0.27, measured.SizeRatio);
        var step = outcome.Report.Steps.Single();
        CollectionAssert.AreEqual(new[] { "fc1", "fc2", "fc3" }, step.QuantizedNodes!.ToArray(), "the Gemms become DynamicQuantizeMatMul");
        Assert.IsNull(step.CalibrationSamples, "dynamic quantization needs no calibration");
        Assert.AreEqual(3, OnnxModelFile.Load(layout.Model).Graph.Node.Count(n => n.OpType == "DynamicQuantizeMatMul"));
    }

    [TestMethod]
    public void ChannelPruningWithReconstructionKeepsTheDigitsReadable()
    {
        using var temp = new TempDirectory();
        var digits = DigitsRecipe(temp, null);
        OptimizationOutcome Prune(bool reconstruct) => Optimize(
            new RecipeOptimizer(new OptimizationCache(temp.File($"cache-{reconstruct}"))),
            digits with
            {
                Steps = [new PruneChannelsStep(new SourceLocation(digits.FilePath, 4, 5), At(temp, 0.5, 4), ChannelImportance.L2, new Dictionary<string, Located<double>>(), [], reconstruct, PruneChannelsStep.DefaultRidgeLambda, null)],
            },
            new OutputLayout(temp.File($"out-{reconstruct}"), digits.Id));

        var plain = Prune(reconstruct: false);
        var reconstructed = Prune(reconstruct: true);

        var report = reconstructed.Report.Steps.Single().ChannelPruning!;
        Assert.IsLessThan(0.6, report.MultiplyAddRatio, "half the neurons of both hidden layers are gone");
        Assert.IsTrue(report.Reconstructed);
        Assert.IsGreaterThan(plain.Report.Measurements.Agreement!.Value, reconstructed.Report.Measurements.Agreement!.Value, "refitting from the original model wins agreement back");
    }

    [TestMethod]
    public void PruningBacksOffUntilTheGatesPass()
    {
        using var temp = new TempDirectory();
        var digits = DigitsRecipe(temp, new AccuracyGate(At(temp, 0.9, 12), null));
        var recipe = digits with
        {
            Steps = [new PruneChannelsStep(new SourceLocation(digits.FilePath, 4, 5), At(temp, 0.9, 5), ChannelImportance.L2, new Dictionary<string, Located<double>>(), [], Reconstruct: true, PruneChannelsStep.DefaultRidgeLambda, null) { Backoff = true }],
        };

        var outcome = Optimize(new RecipeOptimizer(new OptimizationCache(temp.File("cache"))), recipe, new OutputLayout(temp.File("out"), recipe.Id));

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var attempts = outcome.Report.Backoff!;
        Assert.IsGreaterThan(1, attempts.Count, "90% of the neurons is too many: the first attempt fails");
        Assert.AreEqual(1.0, attempts[0].Scale);
        CollectionAssert.Contains(attempts[0].FailedGates.ToArray(), "accuracy.min");
        Assert.IsEmpty(attempts[^1].FailedGates, "the last attempt is the one that passed");
        Assert.AreEqual(Math.Pow(RecipeOptimizer.BackoffFactor, attempts.Count - 1), attempts[^1].Scale, 1e-9);
        var warning = outcome.Diagnostics.Single(d => d.Code == DiagnosticCodes.PruningBackedOff);
        Assert.AreEqual(recipe.Steps[0].Location, warning.Location);
        Assert.IsGreaterThanOrEqualTo(0.9, outcome.Report.Measurements.CompressedAccuracy!.Value);
    }

    [TestMethod]
    public void WithoutBackoffAFailingPruneIsTriedOnce()
    {
        using var temp = new TempDirectory();
        var digits = DigitsRecipe(temp, new AccuracyGate(At(temp, 0.9, 12), null));
        var recipe = digits with
        {
            Steps = [new PruneChannelsStep(new SourceLocation(digits.FilePath, 4, 5), At(temp, 0.9, 5), ChannelImportance.L2, new Dictionary<string, Located<double>>(), [], Reconstruct: false, PruneChannelsStep.DefaultRidgeLambda, null)],
        };

        var outcome = Optimize(new RecipeOptimizer(new OptimizationCache(temp.File("cache"))), recipe, new OutputLayout(temp.File("out"), recipe.Id));

        Assert.IsFalse(outcome.Succeeded);
        Assert.IsNull(outcome.Report.Backoff);
        Assert.AreEqual(DiagnosticCodes.GateAccuracy, outcome.Diagnostics.Single(d => d.Severity == Severity.Error).Code);
    }

    [TestMethod]
    public void AnOpset11ModelIsRaisedTo13ForPerChannelQuantization()
    {
        using var temp = new TempDirectory();
        var recipe = DigitsRecipe(temp, new AccuracyGate(null, At(temp, 0.01, 12)));
        var old = OnnxModelFile.Load(recipe.Model.Value);
        old.OpsetImport.Single().Version = 11;
        OnnxModelFile.Save(old, recipe.Model.Value);
        var layout = new OutputLayout(temp.File("out"), recipe.Id);

        var outcome = Optimize(new RecipeOptimizer(new OptimizationCache(temp.File("cache"))), recipe, layout);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        Assert.AreEqual(13, OnnxModelFile.Load(layout.Model).DefaultOpset());
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
