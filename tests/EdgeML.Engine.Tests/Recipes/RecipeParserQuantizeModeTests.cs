using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>The <c>quantize</c> step's <c>mode</c> and the keys that only weight-only quantization reads.</summary>
[TestClass]
public sealed class RecipeParserQuantizeModeTests : IDisposable
{
    private readonly RecipeFolder folder = new();

    public void Dispose() => folder.Dispose();

    [TestMethod]
    public void WeightOnlyReadsItsBlockSettingsAndNeedsNoCalibrationData()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            steps:
              - quantize:
                  mode: weight_only
                  weights: int4
                  block_size: 128
                  symmetric: true
            """);

        var quantize = (QuantizeStep)recipe.Steps.Single();
        Assert.AreEqual(QuantizationMode.WeightOnly, quantize.Mode);
        Assert.AreEqual(WeightType.Int4, quantize.Weights);
        Assert.AreEqual(128, quantize.BlockSize);
        Assert.IsTrue(quantize.Symmetric);
        Assert.IsNull(quantize.Calibration);
    }

    [TestMethod]
    public void ModeDefaultsToStaticAndWeightOnlyToAsymmetricInt4BlocksOf32()
    {
        var withData = "model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n";

        var plain = (QuantizeStep)folder.Parse(withData + "  - quantize:\n").Steps.Single();
        var weightOnly = (QuantizeStep)folder.Parse(withData + "  - quantize: {mode: weight_only}\n").Steps.Single();
        var weightOnlyInt8 = (QuantizeStep)folder.Parse(withData + "  - quantize: {mode: weight_only, weights: int8}\n").Steps.Single();

        Assert.AreEqual(QuantizationMode.Static, plain.Mode);
        Assert.AreEqual(WeightType.Int8, plain.Weights);
        Assert.AreEqual((QuantizationMode.WeightOnly, WeightType.Int4, QuantizeStep.DefaultBlockSize, false), (weightOnly.Mode, weightOnly.Weights, weightOnly.BlockSize, weightOnly.Symmetric));
        Assert.AreEqual(WeightType.Int8, weightOnlyInt8.Weights);
    }

    [TestMethod]
    public void DynamicIsInt8PerChannelByDefaultAndNeedsNoCalibrationData()
    {
        var withoutData = "model: digits.onnx\nsteps:\n";

        var dynamic = (QuantizeStep)folder.Parse(withoutData + "  - quantize: {mode: dynamic}\n").Steps.Single();
        var perTensor = (QuantizeStep)folder.Parse(withoutData + "  - quantize: {mode: dynamic, weights: int8, per_channel: false}\n").Steps.Single();

        Assert.AreEqual((QuantizationMode.Dynamic, WeightType.Int8, true), (dynamic.Mode, dynamic.Weights, dynamic.PerChannel));
        Assert.IsNull(dynamic.Calibration);
        Assert.IsFalse(perTensor.PerChannel);
    }

    [TestMethod]
    public void Fp16NeedsNoCalibrationDataAndWeightOnlyQuantizesGatherTablesByDefault()
    {
        var fp16 = (QuantizeStep)folder.Parse("model: digits.onnx\nsteps:\n  - quantize: {mode: fp16}\n").Steps.Single();
        var weightOnly = (QuantizeStep)folder.Parse("model: digits.onnx\nsteps:\n  - quantize: {mode: weight_only}\n").Steps.Single();
        var gatherOnly = (QuantizeStep)folder.Parse("model: digits.onnx\nsteps:\n  - quantize: {mode: weight_only, ops: [Gather]}\n").Steps.Single();

        Assert.AreEqual(QuantizationMode.Fp16, fp16.Mode);
        Assert.IsNull(fp16.Calibration);
        CollectionAssert.AreEqual(new[] { "MatMul", "Gemm", "Gather", "LSTM", "GRU" }, weightOnly.OpTypes.ToArray());
        CollectionAssert.AreEqual(new[] { "Gather" }, gatherOnly.OpTypes.ToArray());
    }

    [TestMethod]
    public void StaticModeReadsAccuracyAwareAndBiasCorrectionWhichDefaultToOff()
    {
        const string withData = "model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n";

        var plain = (QuantizeStep)folder.Parse(withData + "  - quantize:\n").Steps.Single();
        var both = (QuantizeStep)folder.Parse(withData + "  - quantize: {accuracy_aware: true, bias_correction: true}\n").Steps.Single();

        Assert.AreEqual((false, false), (plain.AccuracyAware, plain.BiasCorrection));
        Assert.AreEqual((true, true), (both.AccuracyAware, both.BiasCorrection));
    }

    [TestMethod]
    public void GptqIsAWeightOnlyAlgorithmThatNeedsData()
    {
        var gptq = (QuantizeStep)folder.Parse("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize: {mode: weight_only, algorithm: gptq}\n").Steps.Single();
        var plain = (QuantizeStep)folder.Parse("model: digits.onnx\nsteps:\n  - quantize: {mode: weight_only}\n").Steps.Single();
        var withoutData = folder.ParseError("model: digits.onnx\nsteps:\n  - quantize: {mode: weight_only, algorithm: gptq}\n");

        Assert.AreEqual(WeightRounding.Gptq, gptq.Rounding);
        Assert.AreEqual(WeightRounding.Rtn, plain.Rounding);
        Assert.AreEqual(DiagnosticCodes.RecipeMissingKey, withoutData.Code);
        Assert.AreEqual(folder.At(3, 46), withoutData.Location);
    }

    [TestMethod]
    public void SmoothingIsAutoOrAFixedAlphaAndNeedsData()
    {
        var withData = "model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n";

        var auto = (QuantizeStep)folder.Parse(withData + "  - quantize: {mode: dynamic, smoothing: auto}\n").Steps.Single();
        var fixedAlpha = (QuantizeStep)folder.Parse(withData + "  - quantize: {smoothing: 0.75}\n").Steps.Single();
        var plain = (QuantizeStep)folder.Parse(withData + "  - quantize: {mode: dynamic}\n").Steps.Single();
        var withoutData = folder.ParseError("model: digits.onnx\nsteps:\n  - quantize: {mode: dynamic, smoothing: auto}\n");

        Assert.IsNotNull(auto.Smoothing);
        Assert.IsNull(auto.Smoothing.Alpha);
        Assert.AreEqual(0.75, fixedAlpha.Smoothing!.Alpha);
        Assert.IsNull(plain.Smoothing);
        Assert.AreEqual(DiagnosticCodes.RecipeMissingKey, withoutData.Code);
        Assert.AreEqual(folder.At(3, 42), withoutData.Location);
    }

    [TestMethod]
    [DataRow("  - quantize: {weights: int4}\n", 4, 25, "needs 'mode: weight_only'", DisplayName = "int4 in static mode")]
    [DataRow("  - quantize: {mode: dynamic, weights: int4}\n", 4, 40, "needs 'mode: weight_only'", DisplayName = "int4 in dynamic mode")]
    [DataRow("  - quantize: {mode: dynamic, block_size: 64}\n", 4, 43, "applies only to 'mode: weight_only'", DisplayName = "block size in dynamic mode")]
    [DataRow("  - quantize: {mode: weight_only, block_size: 48}\n", 4, 47, "must be one of: 32, 64, 128, not 48", DisplayName = "unsupported block size")]
    [DataRow("  - quantize: {block_size: 64}\n", 4, 28, "applies only to 'mode: weight_only'", DisplayName = "block size in static mode")]
    [DataRow("  - quantize: {symmetric: false}\n", 4, 27, "applies only to 'mode: weight_only'", DisplayName = "symmetric in static mode")]
    [DataRow("  - quantize: {mode: dynamic, ops: [Add]}\n", 4, 37, "must be one of", DisplayName = "Add in dynamic mode")]
    [DataRow("  - quantize: {mode: weight_only, accuracy_aware: true}\n", 4, 51, "applies only to 'mode: static'", DisplayName = "accuracy_aware in weight-only mode")]
    [DataRow("  - quantize: {mode: weight_only, bias_correction: true}\n", 4, 52, "applies only to 'mode: static'", DisplayName = "bias_correction in weight-only mode")]
    [DataRow("  - quantize: {accuracy_aware: yes please}\n", 4, 32, "true or false", DisplayName = "accuracy_aware not a boolean")]
    [DataRow("  - quantize: {mode: weightonly}\n", 4, 22, "did you mean 'weight_only'?", DisplayName = "mode typo")]
    [DataRow("  - quantize: {mode: weight_only, smoothing: auto}\n", 4, 46, "applies only to 'mode: static' and 'mode: dynamic'", DisplayName = "smoothing in weight-only mode")]
    [DataRow("  - quantize: {algorithm: gptq}\n", 4, 27, "applies only to 'mode: weight_only'", DisplayName = "gptq in static mode")]
    [DataRow("  - quantize: {mode: dynamic, smoothing: 1.5}\n", 4, 42, "'auto' or a migration strength", DisplayName = "smoothing above 1")]
    [DataRow("  - quantize: {mode: dynamic, smoothing: 0}\n", 4, 42, "'auto' or a migration strength", DisplayName = "smoothing of 0")]
    public void InvalidCombinationsAreInvalidValuesAtTheValue(string step, int line, int column, string explanation)
    {
        var error = folder.ParseError("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n" + step);

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Code, error.ToString());
        Assert.AreEqual(folder.At(line, column), error.Location, error.ToString());
        Assert.Contains(explanation, error.Message);
    }
}
