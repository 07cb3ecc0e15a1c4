using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

[TestClass]
public sealed class RecipeParserTests : IDisposable
{
    private const string FullRecipe = """
        # yaml-language-server: $schema=../edgeml-recipe.schema.json
        version: 1
        model: digits.onnx
        class: DigitClassifier
        namespace: MyApp.Models
        labels: [zero, one, two]
        steps:
          - quantize:
              weights: int8
              activations: uint8
              per_channel: false
              ops: [MatMul, Gemm]
              exclude: [fc3, "123"]
              calibration:
                data: calib.csv
                samples: 64
                method: minmax
                seed: -7
        validation:
          data: data/digits-test.csv
          label: digit
          features: [p0, p1]
          samples: 500
        gates:
          accuracy: { min: 0.95, max_drop: 0.01 }
          agreement: { min: 1 }
          size: { max: 300KB, max_ratio: 0.3 }
          latency: { p95_max: 5ms, max_ratio: 1.5 }
        """;

    private readonly RecipeFolder folder = new();

    public void Dispose() => folder.Dispose();

    [TestMethod]
    public void FullRecipeParsesEveryValueWithItsLocation()
    {
        var recipe = folder.Parse(FullRecipe);

        Assert.AreEqual(folder.RecipePath, recipe.FilePath);
        Assert.AreEqual("digits", recipe.Id);
        Assert.AreEqual(new Located<string>(folder.PathOf("digits.onnx"), folder.At(3, 8)), recipe.Model);
        Assert.AreEqual(new Located<string>("DigitClassifier", folder.At(4, 8)), recipe.ClassName);
        Assert.AreEqual(new Located<string>("MyApp.Models", folder.At(5, 12)), recipe.Namespace);
        CollectionAssert.AreEqual(new[] { "zero", "one", "two" }, recipe.Labels!.Value.Value.ToArray());
        Assert.AreEqual(folder.At(6, 9), recipe.Labels.Value.Location);

        var quantize = (QuantizeStep)recipe.Steps.Single();
        Assert.AreEqual(folder.At(8, 5), quantize.Location);
        Assert.AreEqual(WeightType.Int8, quantize.Weights);
        Assert.AreEqual(ActivationType.UInt8, quantize.Activations);
        Assert.IsFalse(quantize.PerChannel);
        CollectionAssert.AreEqual(new[] { "MatMul", "Gemm" }, quantize.OpTypes.ToArray());
        CollectionAssert.AreEqual(new[] { "fc3", "123" }, quantize.ExcludeNodes.ToArray());
        var calibration = quantize.Calibration!;
        Assert.AreEqual(new Located<string>(folder.PathOf("calib.csv"), folder.At(15, 15)), calibration.Data);
        Assert.AreEqual(64, calibration.Samples);
        Assert.AreEqual(CalibrationMethod.MinMax, calibration.Method);
        Assert.AreEqual(-7, calibration.Seed);

        var validation = recipe.Validation!;
        Assert.AreEqual(new Located<string>(folder.PathOf("data/digits-test.csv"), folder.At(20, 9)), validation.Data);
        Assert.AreEqual(new Located<string>("digit", folder.At(21, 10)), validation.LabelColumn);
        Assert.AreEqual("digit", validation.LabelColumnName);
        CollectionAssert.AreEqual(new[] { "p0", "p1" }, validation.FeatureColumns!.Value.Value.ToArray());
        Assert.AreEqual(folder.At(22, 13), validation.FeatureColumns.Value.Location);
        Assert.AreEqual(new Located<int>(500, folder.At(23, 12)), validation.Samples);

        var gates = recipe.Gates;
        Assert.AreEqual(new Located<double>(0.95, folder.At(25, 20)), gates.Accuracy!.Min);
        Assert.AreEqual(new Located<double>(0.01, folder.At(25, 36)), gates.Accuracy.MaxDrop);
        Assert.AreEqual(new Located<double>(1, folder.At(26, 21)), gates.Agreement!.Min);
        Assert.AreEqual(new Located<long>(300 * 1024, folder.At(27, 16)), gates.Size!.MaxBytes);
        Assert.AreEqual(new Located<double>(0.3, folder.At(27, 34)), gates.Size.MaxRatio);
        Assert.AreEqual(new Located<double>(5, folder.At(28, 23)), gates.Latency!.P95MaxMilliseconds);
        Assert.AreEqual(new Located<double>(1.5, folder.At(28, 39)), gates.Latency.MaxRatio);

        CollectionAssert.AreEqual(
            new[] { folder.PathOf("digits.onnx"), folder.PathOf("data/digits-test.csv"), folder.PathOf("calib.csv") },
            recipe.InputFiles.ToArray());
    }

    [TestMethod]
    public void OmittedKeysTakeTheirDefaults()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            validation:
              data: digits-test.csv
            steps:
              - quantize:
            """);

        Assert.IsNull(recipe.ClassName);
        Assert.IsNull(recipe.Namespace);
        Assert.IsNull(recipe.Labels);
        Assert.AreEqual(GateSpec.None, recipe.Gates);

        var validation = recipe.Validation!;
        Assert.IsNull(validation.LabelColumn);
        Assert.AreEqual(ValidationSpec.DefaultLabelColumn, validation.LabelColumnName);
        Assert.IsNull(validation.FeatureColumns);
        Assert.IsNull(validation.Samples);

        var quantize = (QuantizeStep)recipe.Steps.Single();
        Assert.AreEqual(folder.At(5, 5), quantize.Location);
        Assert.AreEqual(WeightType.Int8, quantize.Weights);
        Assert.AreEqual(ActivationType.UInt8, quantize.Activations);
        Assert.IsTrue(quantize.PerChannel);
        CollectionAssert.AreEqual(QuantizeStep.DefaultOpTypes.ToArray(), quantize.OpTypes.ToArray());
        Assert.IsEmpty(quantize.ExcludeNodes);
        Assert.IsEmpty(quantize.Overrides);
        Assert.IsNull(quantize.Calibration, "calibration falls back to the validation data");
    }

    [TestMethod]
    public void CalibrationDefaultsApplyInsideTheSection()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            steps:
              - quantize: { calibration: { data: calib.csv } }
            """);

        var calibration = ((QuantizeStep)recipe.Steps.Single()).Calibration!;
        Assert.AreEqual(CalibrationSpec.DefaultSamples, calibration.Samples);
        Assert.AreEqual(CalibrationMethod.MinMax, calibration.Method);
        Assert.AreEqual(0, calibration.Seed);
        Assert.IsNull(recipe.Validation);
    }

    [TestMethod]
    public void CalibrationMethodsAndPercentileParse()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            steps:
              - prune_channels: { ratio: 0.3, calibration: { data: calib.csv, method: entropy } }
              - quantize: { calibration: { data: calib.csv, method: percentile, percentile: 99.99 } }
            """);

        var channels = ((PruneChannelsStep)recipe.Steps[0]).Calibration!;
        Assert.AreEqual(CalibrationMethod.Entropy, channels.Method);
        var quantize = ((QuantizeStep)recipe.Steps[1]).Calibration!;
        Assert.AreEqual(CalibrationMethod.Percentile, quantize.Method);
        Assert.AreEqual(99.99, quantize.Percentile);
    }

    [TestMethod]
    public void PercentileDefaultsWithItsMethod()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            steps:
              - quantize: { calibration: { data: calib.csv, method: percentile } }
            """);

        Assert.AreEqual(CalibrationSpec.DefaultPercentile, ((QuantizeStep)recipe.Steps.Single()).Calibration!.Percentile);
    }

    [TestMethod]
    public void ModelOnlyRecipeHasNoStepsOrGates()
    {
        var recipe = folder.Parse("model: digits.onnx");

        Assert.IsEmpty(recipe.Steps);
        Assert.IsNull(recipe.Validation);
        Assert.AreEqual(GateSpec.None, recipe.Gates);
    }

    [TestMethod]
    public void ModelVersionAndFallbackAreReadWithTheirDefaults()
    {
        var plain = folder.Parse("model: digits.onnx");
        var set = folder.Parse("model: digits.onnx\nmodel_version: 7\nfallback: float\n");

        Assert.IsNull(plain.ModelVersion);
        Assert.AreEqual(FallbackModel.None, plain.Fallback);
        Assert.AreEqual(new Located<long>(7, folder.At(2, 16)), set.ModelVersion);
        Assert.AreEqual(FallbackModel.Float, set.Fallback);
    }

    [TestMethod]
    [DataRow("model: digits.onnx\nmodel_version: -1\n", 2, 16, DisplayName = "negative version")]
    [DataRow("model: digits.onnx\nfallback: int8\n", 2, 11, DisplayName = "unknown fallback")]
    public void BadModelVersionOrFallbackPointsAtTheValue(string yaml, int line, int column)
    {
        var error = folder.ParseError(yaml);

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Code);
        Assert.AreEqual(folder.At(line, column), error.Location);
    }

    [TestMethod]
    public void EmptyGatesSectionMeansNoGates()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            gates:
              # size: { max: 300KB }
            """);

        Assert.AreEqual(GateSpec.None, recipe.Gates);
    }

    [TestMethod]
    public void FlowStyleAnchorsAndAliasesWork()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            validation:
              data: &data digits-test.csv
            steps: [ { quantize: { calibration: { data: *data, samples: 10 } } } ]
            gates: { accuracy: &floor { min: 0.9 }, agreement: *floor }
            """);

        var calibration = ((QuantizeStep)recipe.Steps.Single()).Calibration!;
        Assert.AreEqual(folder.PathOf("digits-test.csv"), calibration.Data.Value);
        Assert.AreEqual(10, calibration.Samples);

        // An alias is the anchored node itself, so its values point at the anchor.
        Assert.AreEqual(new Located<double>(0.9, folder.At(5, 34)), recipe.Gates.Accuracy!.Min);
        Assert.AreEqual(recipe.Gates.Accuracy.Min, recipe.Gates.Agreement!.Min);
    }

    [TestMethod]
    public void SizeAndDurationAcceptPlainNumbers()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            gates:
              size: { max: 307200 }
              latency: { p95_max: 0.5 }
            """);

        Assert.AreEqual(307200, recipe.Gates.Size!.MaxBytes!.Value.Value);
        Assert.IsNull(recipe.Gates.Size.MaxRatio);
        Assert.AreEqual(0.5, recipe.Gates.Latency!.P95MaxMilliseconds!.Value.Value);
    }

    [TestMethod]
    public void AbsolutePathsAreKept()
    {
        var model = folder.PathOf("digits.onnx");

        var recipe = folder.Parse($"model: '{model}'");

        Assert.AreEqual(model, recipe.Model.Value);
    }

    [TestMethod]
    public void LoadReadsTheFileAndSkipsAByteOrderMark()
    {
        File.WriteAllText(folder.RecipePath, "model: digits.onnx\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var recipe = RecipeParser.Load(folder.RecipePath);

        Assert.AreEqual(folder.PathOf("digits.onnx"), recipe.Model.Value);
    }

    [TestMethod]
    public void ParseSkipsAByteOrderMarkLeftInTheText()
    {
        var recipe = folder.Parse("\uFEFFmodel: digits.onnx");

        Assert.AreEqual(folder.PathOf("digits.onnx"), recipe.Model.Value);
    }
}
