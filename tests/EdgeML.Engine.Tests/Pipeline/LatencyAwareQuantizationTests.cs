using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Gates;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Pipeline;

/// <summary>
/// <c>accuracy_aware</c> never keeps a configuration slower than float silently: it tries faster ones. The decisions
/// are tested with an injected latency measurement that prices each model by the operators it holds, so no test
/// depends on timings; the quantization and evaluation of every configuration are real.
/// </summary>
[TestClass]
public sealed class LatencyAwareQuantizationTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 5, 5);

    [TestMethod]
    public void AlternativesPutActivationMatMulsInFloatThenSwitchToDynamicThenGiveBackTheCostliestNodes()
    {
        var step = Step() with { ExcludeNodes = ["v"], FallbackNodes = ["k"] };
        var report = new StepReport("quantize") { QuantizedNodes = ["q", "scores", "head", "out"] };

        var alternatives = LatencyFallback.Alternatives([step], [report], AttentionModel());

        CollectionAssert.AreEqual(
            new[]
            {
                "activation MatMuls in float ('scores')",
                "dynamic int8 instead of static",
                "costliest nodes in float ('head')",
                "costliest nodes in float ('head', 'out')",
            },
            alternatives.Select(a => a.Configuration).ToArray());
        var steps = alternatives.Select(a => (QuantizeStep)a.Steps.Single()).ToArray();
        CollectionAssert.AreEqual(new[] { "k", "scores" }, steps[0].FallbackNodes.ToArray());
        Assert.AreEqual(QuantizationMode.Dynamic, steps[1].Mode);
        CollectionAssert.AreEqual(new[] { "v", "k" }, steps[1].ExcludeNodes.ToArray(), "what static left in float stays in float");
        CollectionAssert.AreEqual(new[] { "k", "scores", "head", "out" }, steps[3].FallbackNodes.ToArray());
        Assert.IsTrue(steps.All(s => s.AccuracyAware));
    }

    [TestMethod]
    public void OnlyAccuracyAwareStaticStepsHaveAlternatives()
    {
        var report = new StepReport("quantize") { QuantizedNodes = ["q", "head"] };

        Assert.IsEmpty(LatencyFallback.Alternatives([Step() with { AccuracyAware = false }], [report], AttentionModel()));
        Assert.IsEmpty(LatencyFallback.Alternatives([Step() with { Mode = QuantizationMode.Dynamic }], [report], AttentionModel()));
    }

    [TestMethod]
    public void ACandidateIsRejectedForFailedGatesOrForBeingSlowerWithoutALatencyGate()
    {
        var latencyGate = new GateSpec(null, null, null, new LatencyGate(null, new Located<double>(1.0, Here)));
        var slow = Measured(original: 1.0, compressed: 1.5);

        Assert.AreEqual("1.50× slower than the original", LatencyFallback.WhyRejected(slow, [], GateSpec.None));
        Assert.IsNull(LatencyFallback.WhyRejected(Measured(1.0, 1.05), [], GateSpec.None), "within the timing tolerance");
        var gates = GateChecker.Check(latencyGate, slow);
        Assert.AreEqual("fails latency.max_ratio", LatencyFallback.WhyRejected(slow, gates, latencyGate));
        Assert.IsTrue(LatencyFallback.OnlyTooSlow(slow, gates, latencyGate));
        var accuracyGate = new GateResult("accuracy.min", DiagnosticCodes.GateAccuracy, false, 0.5, 0.9, "", Here);
        Assert.IsFalse(LatencyFallback.OnlyTooSlow(slow, [.. gates, accuracyGate], latencyGate), "accuracy failures are the accuracy fallback's");
    }

    [TestMethod]
    public void StaticInt8SlowerThanFloatIsReplacedByDynamicInt8WhichStaysCorrect()
    {
        using var temp = new TempDirectory();
        var recipe = DigitsRecipe(temp, latencyGate: true);

        var outcome = Optimize(temp, recipe, PricedByOperators(dynamicMatMul: 0.1));

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var attempts = outcome.Report.LatencyAttempts!;
        CollectionAssert.AreEqual(new[] { "the recipe's configuration", "dynamic int8 instead of static" }, attempts.Select(a => a.Configuration).ToArray());
        Assert.AreEqual("fails latency.max_ratio", attempts[0].Rejected);
        Assert.IsNull(attempts[1].Rejected);
        Assert.IsLessThan(1.0, attempts[1].LatencyRatio!.Value);
        var model = OnnxModelFile.Load(new OutputLayout(temp.File("out"), recipe.Id).Model);
        Assert.AreEqual(3, model.Graph.Node.Count(n => n.OpType == "DynamicQuantizeMatMul"));
        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType == "QuantizeLinear"));
        CollectionAssert.AreEqual(new[] { "fc1", "fc2", "fc3" }, outcome.Report.Steps.Single().QuantizedNodes!.ToArray());
        Assert.IsGreaterThanOrEqualTo(0.97, outcome.Report.Measurements.Agreement!.Value, "the kept model is real and still reads the digits");
        var warning = outcome.Diagnostics.Single(d => d.Code == DiagnosticCodes.LatencyFallback);
        Assert.AreEqual(recipe.Steps[0].Location, warning.Location);
        Assert.Contains("dynamic int8 instead of static passes every gate", warning.Message);
    }

    [TestMethod]
    public void WhenNothingIsFastEnoughTheRecipesConfigurationIsReportedWithEveryRejectedAttempt()
    {
        using var temp = new TempDirectory();
        var recipe = DigitsRecipe(temp, latencyGate: false);

        var outcome = Optimize(temp, recipe, PricedByOperators(dynamicMatMul: 2.0));

        Assert.IsTrue(outcome.Succeeded, "no gate fails: the slowdown is a warning");
        var attempts = outcome.Report.LatencyAttempts!;
        CollectionAssert.AreEqual(
            new[] { "the recipe's configuration", "dynamic int8 instead of static", "costliest nodes in float ('fc1')", "costliest nodes in float ('fc1', 'fc2')" },
            attempts.Select(a => a.Configuration).ToArray());
        Assert.IsTrue(attempts.All(a => a.Rejected!.EndsWith("× slower than the original", StringComparison.Ordinal)), string.Join("\n", attempts));
        CollectionAssert.AreEqual(new[] { "fc1", "fc2", "fc3" }, outcome.Report.Steps.Single().QuantizedNodes!.ToArray(), "the recipe's own configuration is kept");
        Assert.IsTrue(outcome.Diagnostics.Any(d => d.Code == DiagnosticCodes.LatencySlowerThanOriginal));
        StringAssert.Contains(outcome.Diagnostics.Single(d => d.Code == DiagnosticCodes.LatencyFallback).Message, "none of 3 other configurations");
    }

    [TestMethod]
    public void WithRealTimingsEveryConfigurationIsMeasuredAndAnImpossibleGateFailsTheBuild()
    {
        using var temp = new TempDirectory();
        var recipe = DigitsRecipe(temp, latencyGate: true, maxRatio: 1e-6);

        var outcome = Optimize(temp, recipe, latency: null);

        Assert.IsFalse(outcome.Succeeded);
        Assert.AreEqual(DiagnosticCodes.GateLatency, outcome.Diagnostics.Single(d => d.Severity == Severity.Error).Code);
        var attempts = outcome.Report.LatencyAttempts!;
        Assert.HasCount(4, attempts);
        Assert.IsTrue(attempts.All(a => a.Rejected == "fails latency.max_ratio" && a.P95Milliseconds > 0));
        Assert.IsFalse(File.Exists(new OutputLayout(temp.File("out"), recipe.Id).Model), "a model that failed its gates is never published");
        Assert.IsGreaterThanOrEqualTo(0.97, outcome.Report.Measurements.Agreement!.Value, "the reported candidate is the recipe's, and correct");
    }

    // Prices a model by its operators, as a CPU without fast integer kernels might: each QuantizeLinear costs 1 ms on top of
    // a float model's 1 ms, each DynamicQuantizeMatMul dynamicMatMul ms, and a model without either 1 ms.
    private static LatencyMeasurement PricedByOperators(double dynamicMatMul) => (bytes, _, _) =>
    {
        var operators = ModelProto.Parser.ParseFrom(bytes).Graph.Node.Select(n => n.OpType).ToArray();
        var dynamic = operators.Count(o => o == "DynamicQuantizeMatMul");
        var p95 = dynamic > 0 ? dynamic * dynamicMatMul : 1.0 + operators.Count(o => o == "QuantizeLinear");
        return new LatencyStats(p95, p95, 10);
    };

    private static OptimizationOutcome Optimize(TempDirectory temp, Recipe recipe, LatencyMeasurement? latency)
    {
        var bytes = File.ReadAllBytes(recipe.Model.Value);
        var cache = new OptimizationCache(temp.File("cache"));
        var optimizer = latency is null ? new RecipeOptimizer(cache) : new RecipeOptimizer(cache, latency);
        return optimizer.Optimize(recipe, bytes, OnnxModelFile.Parse(bytes, recipe.Model.Value), new OutputLayout(temp.File("out"), recipe.Id));
    }

    private static Recipe DigitsRecipe(TempDirectory temp, bool latencyGate, double maxRatio = 1.0)
    {
        var recipePath = temp.Write("digits.edgeml.yaml", "# stands in for the recipe text in the cache key\n");
        var model = temp.File("digits.onnx");
        File.Copy(SampleModels.DigitsModel, model);
        var data = temp.File("digits-test.csv");
        File.Copy(SampleModels.DigitsData, data);
        var where = new SourceLocation(recipePath, 1, 1);
        var step = new QuantizeStep(new SourceLocation(recipePath, 5, 5), WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null) { AccuracyAware = true };
        var gates = latencyGate ? new GateSpec(null, null, null, new LatencyGate(null, new Located<double>(maxRatio, new SourceLocation(recipePath, 9, 12)))) : GateSpec.None;
        return new Recipe(recipePath, new Located<string>(model, where), null, null, null, [step], new ValidationSpec(new Located<string>(data, where), null, null, null), gates);
    }

    private static Measurements Measured(double original, double compressed) =>
        new(100, 50, 50, null, null, null, null, new LatencyStats(original, original, 10), new LatencyStats(compressed, compressed, 10));

    /// <summary>
    /// x [N, 4, 16] → q, k, v projections → scores = q·kᵀ → Flatten → head Gemm to 256 → out Gemm to 8: q, k, v and out
    /// cost 1,024-2,048 multiply-adds a sample, head 4,096.
    /// </summary>
    private static ModelProto AttentionModel()
    {
        var builder = new TestModelBuilder();
        builder.Input("x", 4, 16);
        var q = builder.Node("MatMul", ["x", builder.Initializer("wq", [16, 16])], "q");
        var k = builder.Node("MatMul", ["x", builder.Initializer("wk", [16, 16])], "k");
        builder.Node("MatMul", ["x", builder.Initializer("wv", [16, 16])], "v");
        var scores = builder.Node("MatMul", [q, builder.Node("Transpose", [k], "k_t", Nodes.Ints("perm", 0, 2, 1))], "scores");
        var flat = builder.Node("Flatten", [scores], "flatten");
        var head = builder.Gemm(flat, 16, 256, "head");
        builder.Output(builder.Gemm(head, 256, 8, "out"), 8);
        return builder.Build();
    }

    private static QuantizeStep Step() =>
        new(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null) { AccuracyAware = true };
}
