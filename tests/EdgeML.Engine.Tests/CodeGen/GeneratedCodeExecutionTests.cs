using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.CodeGen;

/// <summary>
/// The generated class, compiled into an assembly that embeds the model, returns exactly what ONNX Runtime
/// returns when it runs the model directly.
/// </summary>
[TestClass]
public sealed class GeneratedCodeExecutionTests
{
    private static readonly float[] Pixels = [0.3f, -1.2f, 2.5f, 0.7f];

    [TestMethod]
    public void ClassifiesLikeOnnxRuntime()
    {
        var model = TestModels.Classifier();
        var expected = (float[])DirectRun.Outputs(model, DirectRun.Tensor(Pixels, 1, 4))[0];

        var prediction = (ClassPrediction)GeneratedModel.Run(model, TestModels.ClassifierLabels, "return model.Predict((float[])inputs[0]);", Pixels);

        CollectionAssert.AreEqual(expected, prediction.Scores.ToArray());
        Assert.AreEqual(Array.IndexOf(expected, expected.Max()), prediction.Index);
        Assert.AreEqual(TestModels.ClassifierLabels[prediction.Index], prediction.Label);
        Assert.AreEqual(1 / expected.Sum(score => Math.Exp(score - expected.Max())), prediction.Confidence, 1e-6);
    }

    [TestMethod]
    public void TakesProbabilitiesAsTheyAre()
    {
        var model = TestModels.SoftmaxClassifier();
        var expected = (float[])DirectRun.Outputs(model, DirectRun.Tensor(Pixels, 1, 4))[0];

        var prediction = (ClassPrediction)GeneratedModel.Run(model, TestModels.ClassifierLabels, "return model.Predict((float[])inputs[0]);", Pixels);

        Assert.AreEqual(expected.Max(), prediction.Confidence);
    }

    [TestMethod]
    public void WritesIntoTheCallersBuffer()
    {
        var model = TestModels.Classifier();
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(Pixels, 1, 4))[0];

        var scores = GeneratedModel.Run(
            model,
            labels: null,
            "var scores = new float[global::Sample.Models.TestModel.ScoresLength]; model.Predict((float[])inputs[0], scores); return scores;",
            Pixels);

        CollectionAssert.AreEqual(expected, (float[])scores);
    }

    [TestMethod]
    public void RunsModelsThatListInitializersAsInputs()
    {
        var model = TestModels.InitializersAsInputs();
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(Pixels, 1, 4))[0];

        var scores = GeneratedModel.Run(model, labels: null, "return model.Predict((float[])inputs[0]);", Pixels);

        CollectionAssert.AreEqual(expected, (float[])scores);
    }

    [TestMethod]
    public void ReturnsEveryOutputOfModelsWithSeveral()
    {
        var model = TestModels.TwoInputsTwoOutputs();
        float[] features = [1.5f, -2f, 0.25f, 8f];
        long[] offsets = [41, -7];
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(features, 1, 4), DirectRun.Tensor(offsets, 1, 2));

        var result = GeneratedModel.Run(model, labels: null, "return model.Predict((float[])inputs[0], (long[])inputs[1]);", features, offsets);

        CollectionAssert.AreEqual(expected[0], (float[])result.Property("Scaled"));
        CollectionAssert.AreEqual(expected[1], (long[])result.Property("Shifted"));
    }

    [TestMethod]
    public void BindsAwkwardlyNamedTensorsInOrder()
    {
        var model = TestModels.AwkwardNames();
        float[] first = [1, 2, 3, 4], second = [10, 20, 30, 40], third = [-1, -2, -3, -4];
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(first, 1, 4), DirectRun.Tensor(second, 1, 4), DirectRun.Tensor(third, 1, 4));

        var result = GeneratedModel.Run(
            model,
            labels: null,
            "return model.Predict(input1: (float[])inputs[0], @class: (float[])inputs[1], outputs_2: (float[])inputs[2]);",
            first,
            second,
            third);

        CollectionAssert.AreEqual(expected[0], (float[])result.Property("Plus214Output0"));
        CollectionAssert.AreEqual(expected[1], (float[])result.Property("Input1_2"));
        CollectionAssert.AreEqual(expected[2], (float[])result.Property("Result_2"));
    }

    [TestMethod]
    public void InfersTheOneDynamicDimensionOfASample()
    {
        var model = TestModels.Sequence();
        var frames = Enumerable.Range(0, 3 * 8).Select(i => (i % 5) - 2f).ToArray();
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(frames, 1, 3, 8))[0];

        var features = GeneratedModel.Run(model, labels: null, "return model.Predict((float[])inputs[0]);", frames);

        CollectionAssert.AreEqual(expected, (float[])features);
    }

    [TestMethod]
    public void TakesTheShapeWhenSeveralDimensionsAreDynamic()
    {
        var model = TestModels.DynamicImage();
        var image = Enumerable.Range(0, 3 * 2 * 5).Select(i => (i % 7) - 3f).ToArray();
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(image, 1, 3, 2, 5))[0];

        var activations = GeneratedModel.Run(model, labels: null, "return model.Predict((float[])inputs[0], new long[] { 1, 3, 2, 5 });", image);

        CollectionAssert.AreEqual(expected, (float[])activations);
    }

    [TestMethod]
    public void RunsStringModels()
    {
        var model = TestModels.Strings();
        string[] text = ["héllo", "", "wörld"];
        var expected = DirectRun.Outputs(model, DirectRun.Strings(text, 3))[0];

        var echo = GeneratedModel.Run(model, labels: null, "return model.Predict((string[])inputs[0]);", [text]);

        CollectionAssert.AreEqual(expected, (string[])echo);
    }

    [TestMethod]
    public void RunsHalfBoolAndIntegerTensors()
    {
        var model = TestModels.MixedTypes();
        Half[] half = [(Half)1.5f, (Half)(-0.25f)];
        bool[] flags = [true, false];
        int[] counts = [21];
        var expected = DirectRun.Outputs(model, DirectRun.Halves(half, 1, 2), DirectRun.Tensor(flags, 1, 2), DirectRun.Tensor(counts, 1, 1));

        var result = GeneratedModel.Run(
            model,
            labels: null,
            "return model.Predict((global::System.Half[])inputs[0], (bool[])inputs[1], (int[])inputs[2]);",
            half,
            flags,
            counts);

        CollectionAssert.AreEqual(expected[0], (Half[])result.Property("SameHalf"));
        CollectionAssert.AreEqual(expected[1], (bool[])result.Property("Negated"));
        CollectionAssert.AreEqual(expected[2], (int[])result.Property("Doubled"));
    }
}
