using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Pipeline;

/// <summary>A small CNN quantized on a folder of calibration images and validated on a folder of labeled images, from a recipe.</summary>
[TestClass]
public sealed class ImageFolderPipelineTests
{
    [TestMethod]
    public void ACnnIsQuantizedOnImagesAndValidatedOnClassFolders()
    {
        using var temp = new TempDirectory();
        OnnxModelFile.Save(ColourClassifier(), temp.File("cnn.onnx"));
        var random = new Random(5);
        for (var i = 0; i < 10; i++)
        {
            // Calibration images anywhere below the folder, unlabeled; validation images in blue/ and red/.
            WriteImage(temp.File(Path.Combine("calib", i % 2 == 0 ? "day" : "night", $"{i}.png")), red: i % 3 == 0, random);
            WriteImage(temp.File(Path.Combine("val", "blue", $"{i}.png")), red: false, random);
            WriteImage(temp.File(Path.Combine("val", "red", i % 2 == 0 ? $"{i}.bmp" : $"{i}.png")), red: true, random);
        }

        var recipePath = temp.Write("cnn.edgeml.yaml", """
            model: cnn.onnx
            steps:
              - quantize:
                  calibration:
                    data: calib
                    samples: 6
                    seed: 1
                    preprocess: &images
                      resize: [8, 8]
                      normalize: { mean: [0.5], std: [0.25] }
            validation:
              data: val
              preprocess: *images
            gates:
              accuracy: { min: 1.0 }
              agreement: { min: 1.0 }
            """);
        var recipe = RecipeParser.Load(recipePath);
        var bytes = File.ReadAllBytes(recipe.Model.Value);
        var optimizer = new RecipeOptimizer(new OptimizationCache(temp.File("cache")));

        var outcome = optimizer.Optimize(recipe, bytes, OnnxModelFile.Parse(bytes, recipe.Model.Value), new OutputLayout(temp.File("out"), recipe.Id));

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var measured = outcome.Report.Measurements;
        Assert.AreEqual(1.0, measured.OriginalAccuracy, "blue/ is class 0 and red/ class 1, as the model numbers them");
        Assert.AreEqual(1.0, measured.CompressedAccuracy);
        var step = outcome.Report.Steps.Single(s => s.Step == "quantize");
        Assert.AreEqual(6, step.CalibrationSamples);
        CollectionAssert.AreEquivalent(new[] { "colour", "pool", "flatten", "classify" }, step.QuantizedNodes!.ToArray(), "the whole CNN runs in int8 (static mode's operator registry)");
        Assert.IsTrue(OnnxModelFile.Load(new OutputLayout(temp.File("out"), recipe.Id).Model).Graph.Node.Any(n => n.OpType == "QuantizeLinear"));
    }

    /// <summary>
    /// Conv 1×1 computing blue − red and red − blue, Relu, global average pooling and an identity Gemm: class 0
    /// for blue images, 1 for red ones, whatever the green.
    /// </summary>
    private static ModelProto ColourClassifier()
    {
        var model = new TestModelBuilder();
        var image = model.Input("image", 3, 8, 8);
        var weights = model.Initializer("colour.weight", [2, 3, 1, 1], [-1f, 0, 1, 1, 0, -1]);
        var bias = model.Initializer("colour.bias", [2], [0f, 0]);
        var colour = model.Node("Conv", [image, weights, bias], "colour", Nodes.Ints("kernel_shape", 1, 1));
        var pooled = model.Node("GlobalAveragePool", [model.Relu(colour)], "pool");
        var flat = model.Node("Flatten", [pooled], "flatten", Nodes.Int("axis", 1));
        var identity = model.Initializer("classify.weight", [2, 2], [1f, 0, 0, 1]);
        var zero = model.Initializer("classify.bias", [2], [0f, 0]);
        model.Output(model.Node("Gemm", [flat, identity, zero], "classify", Nodes.Int("transB", 1)), 2);
        return model.Build();
    }

    // 10×12 pixels, resized to the model's 8×8: a strong red or blue channel, the other weak, green random.
    private static void WriteImage(string path, bool red, Random random) =>
        TestImages.Rgb(path, 10, 12, (_, _) =>
        {
            var (strong, weak) = ((byte)random.Next(180, 256), (byte)random.Next(0, 60));
            return red ? (strong, (byte)random.Next(256), weak) : (weak, (byte)random.Next(256), strong);
        });
}
