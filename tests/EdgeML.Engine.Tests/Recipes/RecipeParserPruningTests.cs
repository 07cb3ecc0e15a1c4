using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>The <c>prune</c> and <c>prune_channels</c> steps, their order against <c>quantize</c>, and <c>storage</c>.</summary>
[TestClass]
public sealed class RecipeParserPruningTests : IDisposable
{
    private readonly RecipeFolder folder = new();

    public void Dispose() => folder.Dispose();

    [TestMethod]
    public void PruningStepsParseEveryValueWithItsLocation()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            storage: raw
            steps:
              - prune:
                  sparsity: 0.5
                  scope: global
                  layers: { fc1: 0.3, conv2: 0 }
                  ops: [Gemm, Conv]
                  skip: [fc3]
              - prune_channels:
                  ratio: 0.25
                  importance: activation
                  layers: { conv1: 0.5 }
                  skip: [conv_out]
                  reconstruct: false
                  ridge: 0.01
                  calibration: { data: calib.csv, samples: 64, seed: 3 }
            """);

        Assert.AreEqual(ModelStorage.Raw, recipe.Storage);
        Assert.HasCount(2, recipe.Steps);

        var prune = (PruneStep)recipe.Steps[0];
        Assert.AreEqual(folder.At(4, 5), prune.Location);
        Assert.AreEqual(new Located<double>(0.5, folder.At(5, 17)), prune.Sparsity);
        Assert.AreEqual(PruningScope.Global, prune.Scope);
        Assert.AreEqual(new Located<double>(0.3, folder.At(7, 17)), prune.LayerSparsity["fc1"], "an override is located at its node name");
        Assert.AreEqual(new Located<double>(0, folder.At(7, 27)), prune.LayerSparsity["conv2"]);
        CollectionAssert.AreEqual(new[] { "Gemm", "Conv" }, prune.OpTypes.ToArray());
        CollectionAssert.AreEqual(new[] { "fc3" }, prune.SkipNodes.ToArray());

        var channels = (PruneChannelsStep)recipe.Steps[1];
        Assert.AreEqual(folder.At(10, 5), channels.Location);
        Assert.AreEqual(new Located<double>(0.25, folder.At(11, 14)), channels.Ratio);
        Assert.AreEqual(ChannelImportance.Activation, channels.Importance);
        Assert.AreEqual(new Located<double>(0.5, folder.At(13, 17)), channels.LayerRatio["conv1"]);
        CollectionAssert.AreEqual(new[] { "conv_out" }, channels.SkipNodes.ToArray());
        Assert.IsFalse(channels.Reconstruct);
        Assert.AreEqual(0.01, channels.RidgeLambda);
        Assert.AreEqual(new CalibrationSpec(new Located<string>(folder.PathOf("calib.csv"), folder.At(17, 28)), 64, CalibrationMethod.MinMax, 3), channels.Calibration);

        CollectionAssert.AreEqual(new[] { folder.PathOf("digits.onnx"), folder.PathOf("calib.csv") }, recipe.InputFiles.ToArray());
    }

    [TestMethod]
    public void OmittedPruningKeysTakeTheirDefaults()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            validation: { data: digits-test.csv }
            steps:
              - prune: { sparsity: 0.5 }
              - prune_channels: { ratio: 0.3 }
            """);

        var prune = (PruneStep)recipe.Steps[0];
        Assert.AreEqual(PruningScope.Layer, prune.Scope);
        Assert.IsEmpty(prune.LayerSparsity);
        CollectionAssert.AreEqual(PruneStep.DefaultOpTypes.ToArray(), prune.OpTypes.ToArray());
        Assert.IsEmpty(prune.SkipNodes);
        Assert.IsFalse(prune.Backoff);

        var channels = (PruneChannelsStep)recipe.Steps[1];
        Assert.AreEqual(ChannelImportance.L2, channels.Importance);
        Assert.IsEmpty(channels.LayerRatio);
        Assert.IsEmpty(channels.SkipNodes);
        Assert.IsTrue(channels.Reconstruct);
        Assert.AreEqual(PruneChannelsStep.DefaultRidgeLambda, channels.RidgeLambda);
        Assert.IsNull(channels.Calibration, "calibration falls back to the validation data");
        Assert.IsFalse(channels.Backoff);
    }

    [TestMethod]
    public void BackoffIsReadForBothPruningSteps()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            validation: { data: digits-test.csv }
            steps:
              - prune: { sparsity: 0.5, backoff: true }
              - prune_channels: { ratio: 0.3, backoff: true }
            """);

        Assert.IsTrue(((PruneStep)recipe.Steps[0]).Backoff);
        Assert.IsTrue(((PruneChannelsStep)recipe.Steps[1]).Backoff);
    }

    [TestMethod]
    [DataRow("model: digits.onnx\n", ModelStorage.Raw, DisplayName = "no steps")]
    [DataRow("model: digits.onnx\nsteps:\n  - prune: { sparsity: 0.5 }\n", ModelStorage.Brotli, DisplayName = "prune")]
    [DataRow("model: digits.onnx\nsteps:\n  - prune_channels: { ratio: 0.3, reconstruct: false }\n", ModelStorage.Raw, DisplayName = "prune_channels")]
    [DataRow("model: digits.onnx\nstorage: raw\nsteps:\n  - prune: { sparsity: 0.5 }\n", ModelStorage.Raw, DisplayName = "prune, raw asked for")]
    [DataRow("model: digits.onnx\nstorage: brotli\n", ModelStorage.Brotli, DisplayName = "brotli asked for")]
    public void StorageDefaultsToBrotliOnlyForUnstructuredPruning(string yaml, ModelStorage expected)
    {
        Assert.AreEqual(expected, folder.Parse(yaml).Storage);
    }

    [TestMethod]
    public void StructuredPruningWithoutReconstructionOrActivationsNeedsNoData()
    {
        var recipe = folder.Parse("model: digits.onnx\nsteps:\n  - prune_channels: { ratio: 0.3, importance: l1, reconstruct: false }\n");

        Assert.AreEqual(ChannelImportance.L1, ((PruneChannelsStep)recipe.Steps.Single()).Importance);
    }

    [TestMethod]
    [DataRow("steps:\n  - quantize:\n  - prune: { sparsity: 0.5 }\n", 5, 5, "'prune' must come before 'quantize'", DisplayName = "prune after quantize")]
    [DataRow("steps:\n  - quantize:\n  - prune_channels: { ratio: 0.5 }\n", 5, 5, "'prune_channels' must come before 'quantize'", DisplayName = "prune_channels after quantize")]
    [DataRow("steps:\n  - prune: { sparsity: 1 }\n", 4, 24, "must be a fraction from 0 up to, but not including, 1", DisplayName = "sparsity of 1")]
    [DataRow("steps:\n  - prune: { sparsity: -0.1 }\n", 4, 24, "must be a fraction", DisplayName = "negative sparsity")]
    [DataRow("steps:\n  - prune: { sparsity: 0.5, scope: model }\n", 4, 36, "must be one of: layer, global", DisplayName = "unknown scope")]
    [DataRow("steps:\n  - prune: { sparsity: 0.5, layers: { fc1: 1.5 } }\n", 4, 44, "'steps[0].prune.layers.fc1' must be a fraction", DisplayName = "override out of range")]
    [DataRow("steps:\n  - prune: { sparsity: 0.5, layers: [fc1] }\n", 4, 37, "must be a mapping of names to values", DisplayName = "overrides as a list")]
    [DataRow("steps:\n  - prune: { sparsity: 0.5, ops: [Relu] }\n", 4, 35, "must be one of: MatMul, Gemm, Conv", DisplayName = "unsupported op")]
    [DataRow("steps:\n  - prune_channels: { ratio: 0.3, importance: l3 }\n", 4, 47, "did you mean 'l2'?", DisplayName = "unknown importance")]
    [DataRow("steps:\n  - prune_channels: { ratio: 0.3, ridge: 0 }\n", 4, 42, "must be a number greater than 0", DisplayName = "zero ridge")]
    public void BadPruningValuesPointAtTheValue(string steps, int line, int column, string message)
    {
        var error = folder.ParseError($"model: digits.onnx\nvalidation: {{ data: digits-test.csv }}\n{steps}");

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Code, error.ToString());
        Assert.AreEqual(folder.At(line, column), error.Location, error.ToString());
        Assert.Contains(message, error.Message);
    }

    [TestMethod]
    [DataRow("steps:\n  - prune: { scope: global }\n", 3, 12, "is missing the required key 'sparsity'", DisplayName = "prune without sparsity")]
    [DataRow("steps:\n  - prune_channels: { importance: l1 }\n", 3, 21, "is missing the required key 'ratio'", DisplayName = "prune_channels without ratio")]
    [DataRow("steps:\n  - prune_channels: { ratio: 0.3 }\n", 3, 5, "needs data to reconstruct", DisplayName = "reconstruction without data")]
    [DataRow("steps:\n  - prune_channels: { ratio: 0.3, reconstruct: false, importance: activation }\n", 3, 5, "needs data to measure activations", DisplayName = "activations without data")]
    [DataRow("steps:\n  - prune_channels: { ratio: 0.3, calibration: { samples: 5 } }\n", 3, 48, "'steps[0].prune_channels.calibration' is missing the required key 'data'", DisplayName = "calibration without data")]
    public void MissingPruningKeysAreReported(string steps, int line, int column, string message)
    {
        var error = folder.ParseError($"model: digits.onnx\n{steps}");

        Assert.AreEqual(DiagnosticCodes.RecipeMissingKey, error.Code, error.ToString());
        Assert.AreEqual(folder.At(line, column), error.Location, error.ToString());
        Assert.Contains(message, error.Message);
    }

    [TestMethod]
    public void PruningTwiceIsADuplicate()
    {
        var error = folder.ParseError("model: digits.onnx\nsteps:\n  - prune: { sparsity: 0.5 }\n  - prune: { sparsity: 0.2 }\n");

        Assert.AreEqual(DiagnosticCodes.RecipeDuplicate, error.Code);
        Assert.AreEqual(folder.At(4, 5), error.Location);
    }

    [TestMethod]
    public void UnknownStorageSuggestsTheClosest()
    {
        var error = folder.ParseError("model: digits.onnx\nstorage: brotly\n");

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Code);
        Assert.AreEqual(folder.At(2, 10), error.Location);
        Assert.Contains("did you mean 'brotli'?", error.Message);
    }
}
