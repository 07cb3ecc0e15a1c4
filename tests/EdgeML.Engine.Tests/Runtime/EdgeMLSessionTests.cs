using EdgeML.Engine.Tests.CodeGen;
using EdgeML.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Tests.Runtime;

[TestClass]
public sealed class EdgeMLSessionTests
{
    private static readonly float[] Pixels = [0.3f, -1.2f, 2.5f, 0.7f];

    [TestMethod]
    public void ReportsInputsAndOutputs()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.TwoInputsTwoOutputs().Bytes());

        CollectionAssert.AreEqual(new[] { "features", "offsets" }, session.Inputs.Select(i => i.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "scaled", "shifted" }, session.Outputs.Select(o => o.Name).ToArray());
        Assert.AreEqual(TensorElementType.Int64, session.Inputs[1].ElementType);
        CollectionAssert.AreEqual(new long[] { -1, 2 }, session.Inputs[1].Dimensions.ToArray());
        Assert.AreEqual("offsets: Int64[-1, 2]", session.Inputs[1].ToString());
    }

    [TestMethod]
    public void RunsIntoTheCallersBufferLikeOnnxRuntime()
    {
        var model = TestModels.Classifier();
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(Pixels, 1, 4))[0];
        using var session = EdgeMLSession.FromBytes(model.Bytes());

        var scores = new float[3];
        session.Run(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3]);

        CollectionAssert.AreEqual(expected, scores);
    }

    [TestMethod]
    public void InfersOneDimensionFromTheLength()
    {
        var model = TestModels.Classifier();
        var batch = Pixels.Concat(Pixels.Select(p => -p)).ToArray();
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(batch, 2, 4))[0];
        using var session = EdgeMLSession.FromBytes(model.Bytes());

        var scores = new float[6];
        session.Run(0, batch, [-1, 4], 0, scores.AsSpan(), [-1, -1]);

        CollectionAssert.AreEqual(expected, scores);
    }

    [TestMethod]
    public void RunsSeveralInputsAndOutputsLikeOnnxRuntime()
    {
        var model = TestModels.TwoInputsTwoOutputs();
        float[] features = [1.5f, -2f, 0.25f, 8f];
        long[] offsets = [41, -7];
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(features, 1, 4), DirectRun.Tensor(offsets, 1, 2));
        using var session = EdgeMLSession.FromBytes(model.Bytes());

        using var inputs = session.CreateInputs();
        inputs.Set(0, features, [1, 4]);
        inputs.Set(1, offsets, [1, 2]);
        using var outputs = session.Run(inputs);

        CollectionAssert.AreEqual(expected[0], outputs.ToArray<float>(0));
        CollectionAssert.AreEqual(expected[1], outputs.ToArray<long>(1));
    }

    [TestMethod]
    public void RejectsAnInputOfTheWrongLength()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        var scores = new float[3];

        var error = Assert.ThrowsExactly<ArgumentException>(() => session.Run(0, Pixels.AsSpan(0, 3), [1, 4], 0, scores.AsSpan(), [1, 3]));

        Assert.Contains("input 'pixels' of shape [1, 4] takes 4 values, not 3", error.Message);
        Assert.AreEqual("input", error.ParamName);
    }

    [TestMethod]
    public void RejectsAnOutputBufferOfTheWrongLength()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        var scores = new float[4];

        var error = Assert.ThrowsExactly<ArgumentException>(() => session.Run(0, Pixels, [1, 4], 0, scores.AsSpan(), [1, 3]));

        Assert.AreEqual("output", error.ParamName);
    }

    [TestMethod]
    public void RejectsAShapeTheModelDoesNotHave()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        using var inputs = session.CreateInputs();

        Assert.ThrowsExactly<ArgumentException>(() => inputs.Set(0, Pixels, [2, 2]));
        Assert.ThrowsExactly<ArgumentException>(() => inputs.Set(0, Pixels, [4]));
    }

    [TestMethod]
    public void InfersAtMostOneDimension()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Sequence().Bytes());
        using var inputs = session.CreateInputs();

        inputs.Set(0, new float[16], [-1, 2, -1]);
        var error = Assert.ThrowsExactly<ArgumentException>(() => inputs.Set(0, new float[16], [-1, -1, -1]));

        Assert.Contains("more than one dynamic dimension", error.Message);
    }

    [TestMethod]
    public void RejectsTheWrongElementType()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());
        using var inputs = session.CreateInputs();

        var error = Assert.ThrowsExactly<ArgumentException>(() => inputs.Set(0, new double[4], [1, 4]));

        Assert.Contains("input 'pixels' holds Float elements, not Double", error.Message);
    }

    [TestMethod]
    public void RejectsIndexesOutsideTheModel()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes());

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => session.Run(1, Pixels, [1, 4], 0, new float[3].AsSpan(), [1, 3]));
    }

    [TestMethod]
    public void RejectsRunsWithAnInputMissing()
    {
        using var session = EdgeMLSession.FromBytes(TestModels.TwoInputsTwoOutputs().Bytes());
        using var inputs = session.CreateInputs();
        inputs.Set(0, new float[4], [1, 4]);

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => session.Run(inputs).Dispose());

        Assert.Contains("input 'offsets' has not been set", error.Message);
        Assert.ThrowsExactly<ArgumentException>(() => session.Run([inputs[0]]).Dispose());
    }

    [TestMethod]
    public void LoadsAnEmbeddedModel()
    {
        var model = TestModels.Classifier().Bytes();
        var assembly = CSharpCompiler.Compile("namespace N { internal static class Empty { } }").Load(("EdgeML/classifier.onnx", model));

        using var session = EdgeMLSession.FromEmbeddedResource(assembly, "EdgeML/classifier.onnx");

        Assert.AreEqual("pixels", session.Inputs.Single().Name);
    }

    [TestMethod]
    public void NamesTheMissingResourceAndTheModelsThereAre()
    {
        var model = TestModels.Classifier().Bytes();
        var assembly = CSharpCompiler.Compile("namespace N { internal static class Empty { } }")
            .Load(("EdgeML/b.onnx", model), ("EdgeML/a.onnx", model), ("Other.txt", [1]));

        var error = Assert.ThrowsExactly<EdgeMLModelLoadException>(() => EdgeMLSession.FromEmbeddedResource(assembly, "EdgeML/missing.onnx"));

        Assert.Contains("no model resource 'EdgeML/missing.onnx'", error.Message);
        Assert.Contains("It embeds: EdgeML/a.onnx, EdgeML/b.onnx.", error.Message);
        Assert.DoesNotContain("Other.txt", error.Message);
    }

    [TestMethod]
    public void SaysWhenAnAssemblyEmbedsNoModels()
    {
        var error = Assert.ThrowsExactly<EdgeMLModelLoadException>(() => EdgeMLSession.FromEmbeddedResource(typeof(EdgeMLSessionTests).Assembly, "EdgeML/digits.onnx"));

        Assert.Contains("embeds no EdgeML models", error.Message);
    }

    [TestMethod]
    public void ReportsModelsOnnxRuntimeCannotLoad()
    {
        var error = Assert.ThrowsExactly<EdgeMLModelLoadException>(() => EdgeMLSession.FromBytes([1, 2, 3]));

        Assert.IsInstanceOfType<OnnxRuntimeException>(error.InnerException);
    }

    [TestMethod]
    public void ReportsAMissingModelFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.onnx");

        var error = Assert.ThrowsExactly<EdgeMLModelLoadException>(() => EdgeMLSession.FromFile(path));

        Assert.Contains(path, error.Message);
    }

    [TestMethod]
    public void LoadsAModelFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, TestModels.Classifier().Bytes());
        try
        {
            using var session = EdgeMLSession.FromFile(path);

            Assert.AreEqual("scores", session.Outputs.Single().Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void AppliesTheOptionsAndHandsTheSessionOptionsToTheHook()
    {
        SessionOptions? configured = null;
        var options = new EdgeMLModelOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            ConfigureSessionOptions = sessionOptions =>
            {
                Assert.AreEqual(1, sessionOptions.IntraOpNumThreads);
                Assert.AreEqual(GraphOptimizationLevel.ORT_DISABLE_ALL, sessionOptions.GraphOptimizationLevel);
                configured = sessionOptions;
            },
        };

        using var session = EdgeMLSession.FromBytes(TestModels.Classifier().Bytes(), options);

        Assert.IsNotNull(configured);
    }
}
