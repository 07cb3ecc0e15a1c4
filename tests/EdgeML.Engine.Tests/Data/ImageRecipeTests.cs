using System.Text.Json;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Recipes;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Data;

/// <summary>Recipes whose data is a folder of images: the <c>preprocess</c> keys, their errors, and the images as build inputs.</summary>
[TestClass]
public sealed class ImageRecipeTests : IDisposable
{
    private readonly RecipeFolder folder = new();

    public ImageRecipeTests()
    {
        TestImages.Gray(folder.PathOf("images/cat/1.png"), 2, 2, (_, _) => 1);
        TestImages.Gray(folder.PathOf("images/dog/2.png"), 2, 2, (_, _) => 2);
    }

    public void Dispose() => folder.Dispose();

    [TestMethod]
    public void PreprocessIsReadWithItsLocations()
    {
        var recipe = folder.Parse("""
            model: digits.onnx
            steps:
              - quantize:
                  calibration:
                    data: images
                    preprocess: &images
                      resize: [224, 192]
                      resize_mode: center_crop
                      channels: bgr
                      layout: nhwc
                      scale: 1
                      normalize: { mean: [123.7, 116.3, 103.5], std: [58.4] }
            validation:
              data: images
              preprocess: *images
            """);

        var calibration = ((QuantizeStep)recipe.Steps.Single()).Calibration!.Preprocess!;
        Assert.AreEqual(new ImageSize(224, 192), calibration.Resize!.Value.Value);
        Assert.AreEqual(folder.At(7, 19), calibration.Resize.Value.Location);
        Assert.AreEqual(ResizeMode.CenterCrop, calibration.ResizeMode);
        Assert.AreEqual(ImageChannels.Bgr, calibration.Channels!.Value.Value);
        Assert.AreEqual(ImageLayout.Nhwc, calibration.Layout!.Value.Value);
        Assert.AreEqual(1f, calibration.Scale);
        CollectionAssert.AreEqual(new[] { 123.7f, 116.3f, 103.5f }, calibration.Mean!.Value.Value.ToArray());
        CollectionAssert.AreEqual(new[] { 58.4f }, calibration.Std!.Value.Value.ToArray());
        Assert.AreEqual(folder.At(12, 58), calibration.Std.Value.Location);
        var validation = recipe.Validation!.Preprocess!;
        Assert.AreEqual(calibration.Resize, validation.Resize, "the alias reuses the mapping, locations included");
        CollectionAssert.AreEqual(calibration.Mean.Value.Value.ToArray(), validation.Mean!.Value.Value.ToArray());
    }

    [TestMethod]
    public void AFolderWithoutPreprocessTakesEveryDefaultAtItsDataLine()
    {
        var recipe = folder.Parse("model: digits.onnx\nvalidation:\n  data: images\n");

        var preprocess = recipe.Validation!.Preprocess!;
        Assert.AreEqual(folder.At(3, 9), preprocess.Location);
        Assert.IsNull(preprocess.Resize);
        Assert.IsNull(preprocess.Channels);
        Assert.IsNull(preprocess.Layout);
        Assert.AreEqual(ImagePreprocessing.DefaultScale, preprocess.Scale);
        Assert.IsNull(preprocess.Mean);
        Assert.IsNull(folder.Parse("model: digits.onnx\nvalidation:\n  data: digits-test.csv\n").Validation!.Preprocess, "files have no preprocessing");
    }

    [TestMethod]
    [DataRow("validation:\n  data: digits-test.csv\n  preprocess: { scale: 1 }\n", 4, 15, "applies to a folder of images; 'digits-test.csv' is a file", DisplayName = "preprocess beside a file")]
    [DataRow("validation:\n  data: images\n  label: digit\n", 4, 10, "'validation.label' names CSV columns", DisplayName = "label column with a folder")]
    [DataRow("validation:\n  data: images\n  features: [a]\n", 4, 13, "'validation.features' names CSV columns", DisplayName = "feature columns with a folder")]
    [DataRow("validation:\n  data: images\n  preprocess: { resize_mode: center_crop }\n", 4, 30, "applies only together with 'resize", DisplayName = "resize_mode without resize")]
    [DataRow("validation:\n  data: images\n  preprocess: { resize: [224] }\n", 4, 25, "must be [height, width]", DisplayName = "resize with one size")]
    [DataRow("validation:\n  data: images\n  preprocess: { resize: [0, 5] }\n", 4, 26, "at least 1", DisplayName = "resize to nothing")]
    [DataRow("validation:\n  data: images\n  preprocess: { channels: rbg }\n", 4, 27, "did you mean 'rgb'?", DisplayName = "channels typo")]
    [DataRow("validation:\n  data: images\n  preprocess: { scale: 0 }\n", 4, 24, "greater than 0", DisplayName = "scale zero")]
    [DataRow("validation:\n  data: images\n  preprocess: { normalize: { mean: [1, 2], std: [1] } }\n", 4, 36, "one value for all channels or three", DisplayName = "two means")]
    [DataRow("validation:\n  data: images\n  preprocess: { normalize: { mean: [1], std: [0] } }\n", 4, 47, "greater than 0", DisplayName = "zero std")]
    public void BadPreprocessingIsAnErrorAtTheValue(string data, int line, int column, string message)
    {
        var error = folder.ParseError("model: digits.onnx\n" + data);

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Code, error.Message);
        Assert.AreEqual(folder.At(line, column), error.Location);
        Assert.Contains(message, error.Message);
    }

    [TestMethod]
    public void NormalizeNeedsBothMeanAndStd()
    {
        var error = folder.ParseError("model: digits.onnx\nvalidation:\n  data: images\n  preprocess:\n    normalize: { mean: [0.5] }\n");

        Assert.AreEqual(DiagnosticCodes.RecipeMissingKey, error.Code);
        Assert.Contains("'validation.preprocess.normalize' is missing the required key 'std'", error.Message);
    }

    [TestMethod]
    public void AnUnknownPreprocessKeyIsReportedWithAHint()
    {
        var error = folder.ParseError("model: digits.onnx\nsteps:\n  - prune_channels:\n      ratio: 0.5\n      calibration:\n        data: images\n        preprocess: { size: [8, 8] }\n");

        Assert.AreEqual(DiagnosticCodes.RecipeUnknownKey, error.Code);
        Assert.Contains("in 'steps[0].prune_channels.calibration.preprocess'", error.Message);
    }

    [TestMethod]
    public void AMissingFolderIsNotFound()
    {
        var error = folder.ParseError("model: digits.onnx\nvalidation:\n  data: pictures\n");

        Assert.AreEqual(DiagnosticCodes.RecipeFileNotFound, error.Code);
        Assert.Contains("the file or folder 'pictures'", error.Message);
    }

    [TestMethod]
    public void TheSchemaOffersTheParsersPreprocessValues()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.PathOf("schema/edgeml-recipe.schema.json")));
        var properties = schema.RootElement.GetProperty("properties");
        var steps = properties.GetProperty("steps").GetProperty("items").GetProperty("properties");
        var preprocessBlocks = new[]
        {
            properties.GetProperty("validation"),
            steps.GetProperty("quantize").GetProperty("properties").GetProperty("calibration"),
            steps.GetProperty("prune_channels").GetProperty("properties").GetProperty("calibration"),
        }.Select(data => data.GetProperty("properties").GetProperty("preprocess").GetProperty("properties"));

        foreach (var preprocess in preprocessBlocks)
        {
            AssertEnum(RecipeNode.EnumNames<ResizeMode>(), preprocess.GetProperty("resize_mode"));
            AssertEnum(RecipeNode.EnumNames<ImageChannels>(), preprocess.GetProperty("channels"));
            AssertEnum(RecipeNode.EnumNames<ImageLayout>(), preprocess.GetProperty("layout"));
        }
    }

    [TestMethod]
    public void EveryImageIsABuildInputAndTheFolderIsWatchedForNewOnes()
    {
        var recipe = folder.Parse("model: digits.onnx\nvalidation:\n  data: images\nsteps:\n  - quantize: { calibration: { data: calib.csv } }\n");

        CollectionAssert.AreEqual(
            new[] { "digits.onnx", "images/cat/1.png", "images/dog/2.png", "calib.csv" }.Select(folder.PathOf).ToArray(),
            recipe.InputFiles.ToArray());
        CollectionAssert.AreEqual(
            (string[])[recipe.FilePath, .. recipe.InputFiles, folder.PathOf("images") + Path.DirectorySeparatorChar],
            DependencyList.Lines(recipe, []).ToArray());
    }

    [TestMethod]
    public void TheCacheKeyChangesWhenAnImageIsAddedChangedOrMovedToAnotherClass()
    {
        File.WriteAllText(folder.RecipePath, "model: digits.onnx\nvalidation:\n  data: images\n");
        var recipe = RecipeParser.Load(folder.RecipePath);
        var keys = new List<string> { OptimizationCache.ComputeKey(recipe) };

        TestImages.Gray(folder.PathOf("images/dog/3.png"), 2, 2, (_, _) => 3);
        keys.Add(OptimizationCache.ComputeKey(recipe));
        TestImages.Gray(folder.PathOf("images/dog/3.png"), 2, 2, (_, _) => 4);
        keys.Add(OptimizationCache.ComputeKey(recipe));
        Directory.CreateDirectory(folder.PathOf("images/bird"));
        File.Move(folder.PathOf("images/dog/3.png"), folder.PathOf("images/bird/3.png"));
        keys.Add(OptimizationCache.ComputeKey(recipe));

        Assert.HasCount(4, keys.Distinct());
    }

    private static void AssertEnum(IReadOnlyList<string> expected, JsonElement node) =>
        CollectionAssert.AreEquivalent(expected.ToArray(), node.GetProperty("enum").EnumerateArray().Select(value => value.GetString()).ToArray());
}
