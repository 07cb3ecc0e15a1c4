using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Engine.Tests.Data;

/// <summary>
/// Models that take token ids and masks — several int64 inputs with a dynamic sequence length — evaluated and
/// calibrated from an .npz with one array per input.
/// </summary>
[TestClass]
public sealed class MultiInputDatasetTests
{
    private const int Vocabulary = 40;
    private const int Width = 8;
    private const int Classes = 3;
    private static readonly SourceLocation Recipe = new("encoder.edgeml.yaml", 9, 11);
    private TempDirectory folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempDirectory();

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    [TestMethod]
    public void EachArrayFeedsTheInputOfItsName()
    {
        var (ids, mask) = Tokens(samples: 5, sequence: 6, seed: 1);
        var data = Read(("attention_mask", NpyWriter.Int64s([5, 6], mask)), ("input_ids", NpyWriter.Int64s([5, 6], ids)), ("y", NpyWriter.Int64s([5], 0, 1, 2, 0, 1)));
        using var runner = ModelRunner.Create(Model(), "encoder");

        runner.EnsureFits(data, Recipe);
        var evaluation = ModelEvaluation.Run(runner, data, Recipe);

        Assert.HasCount(2, data.Inputs);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 0, 1 }, data.Labels);
        AssertClose(DirectRun(ids, mask, samples: 5, sequence: 6), evaluation.Outputs);
    }

    [TestMethod]
    [DataRow(3)]
    [DataRow(11)]
    public void TheDataSetsTheDynamicSequenceLength(int sequence)
    {
        var (ids, mask) = Tokens(samples: 4, sequence, seed: 2);
        var data = Read(("input_ids", NpyWriter.Int64s([4, sequence], ids)), ("attention_mask", NpyWriter.Int64s([4, sequence], mask)));
        using var runner = ModelRunner.Create(Model(), "encoder");

        var evaluation = ModelEvaluation.Run(runner, data, Recipe);

        AssertClose(DirectRun(ids, mask, samples: 4, sequence), evaluation.Outputs);
    }

    [TestMethod]
    public void CalibrationMeasuresIntermediateTensorsOfAMultiInputModel()
    {
        var (ids, mask) = Tokens(samples: 70, sequence: 5, seed: 3);
        var data = Read(("input_ids", NpyWriter.Int64s([70, 5], ids)), ("attention_mask", NpyWriter.Int64s([70, 5], mask)));
        var model = OnnxModelFile.Parse(Model(), "encoder");

        var ranges = ActivationCalibrator.Collect(model, ["pooled", "logits"], data, Recipe);

        Assert.IsLessThan(ranges["pooled"].Max, ranges["pooled"].Min);
        Assert.IsLessThan(ranges["logits"].Max, ranges["logits"].Min);
    }

    [TestMethod]
    public void BatchesStartWithOneSampleAndCoverEverySampleOnce()
    {
        var (ids, mask) = Tokens(samples: 150, sequence: 4, seed: 8);
        var data = Read(("input_ids", NpyWriter.Int64s([150, 4], ids)), ("attention_mask", NpyWriter.Int64s([150, 4], mask)));
        using var runner = ModelRunner.Create(Model(), "encoder");
        var batches = new List<(int Start, int Count)>();

        runner.RunBatches(data, ["logits"], batch => batches.Add((batch.Start, batch.Count)));

        Assert.AreEqual((0, 1), batches[0], "one sample measures the outputs' size");
        Assert.IsTrue(batches.Skip(1).All(b => b.Count <= runner.BatchSize));
        CollectionAssert.AreEqual(Enumerable.Range(0, 150).ToArray(), batches.SelectMany(b => Enumerable.Range(b.Start, b.Count)).ToArray());
    }

    [TestMethod]
    public void SamplingKeepsTheInputsAndLabelsOfASampleTogether()
    {
        var ids = Enumerable.Range(0, 12).Select(i => (long)i).ToArray();
        var data = Read(("input_ids", NpyWriter.Int64s([6, 2], ids)), ("attention_mask", NpyWriter.Int64s([6, 2], ids.Select(i => i * 10).ToArray())), ("y", NpyWriter.Int64s([6], 0, 1, 2, 3, 4, 5)));

        var sample = data.Sample(3, seed: 7);

        var idInput = sample.Inputs.Single(i => i.Name == "input_ids");
        var maskInput = sample.Inputs.Single(i => i.Name == "attention_mask");
        for (var i = 0; i < sample.Count; i++)
        {
            var row = sample.Labels![i];
            CollectionAssert.AreEqual(new[] { 2f * row, (2f * row) + 1 }, idInput.Batch(i, 1).ToArray());
            CollectionAssert.AreEqual(new[] { 20f * row, (20f * row) + 10 }, maskInput.Batch(i, 1).ToArray());
        }
    }

    [TestMethod]
    public void AMissingInputIsAMismatchNamingIt()
    {
        var data = Read(("input_ids", NpyWriter.Int64s([1, 2], 1, 2)));

        var error = FitError(data);

        StringAssert.Contains(error.Message, "no values for the model input 'attention_mask'");
    }

    [TestMethod]
    public void AnArrayNoInputTakesIsAMismatch()
    {
        var data = Read(("input_ids", NpyWriter.Int64s([1, 2], 1, 2)), ("attention_mask", NpyWriter.Int64s([1, 2], 1, 1)), ("token_type_ids", NpyWriter.Int64s([1, 2], 0, 0)));

        var error = FitError(data);

        StringAssert.Contains(error.Message, "array 'token_type_ids'");
        StringAssert.Contains(error.Message, "matches no input");
    }

    [TestMethod]
    public void AFractionForAnIntegerInputIsAMismatch()
    {
        var data = Read(("input_ids", NpyWriter.Floats([1, 2], 1, 2.5f)), ("attention_mask", NpyWriter.Int64s([1, 2], 1, 1)));

        var error = FitError(data);

        StringAssert.Contains(error.Message, "holds 2.5 in sample 0");
    }

    [TestMethod]
    public void AnArrayOfTheWrongRankIsAMismatch()
    {
        var data = Read(("input_ids", NpyWriter.Int64s([1, 2, 1], 1, 2)), ("attention_mask", NpyWriter.Int64s([1, 2], 1, 1)));

        var error = FitError(data);

        StringAssert.Contains(error.Message, "samples of shape (2, 1)");
    }

    [TestMethod]
    public void ArraysWithDifferentSampleCountsAreAMismatch()
    {
        var path = folder.File("tokens.npz");
        NpyWriter.WriteArchive(path, ("input_ids", NpyWriter.Int64s([2, 2], 1, 2, 3, 4)), ("attention_mask", NpyWriter.Int64s([1, 2], 1, 1)));

        var error = Assert.ThrowsExactly<EdgeMLException>(() => DatasetReader.Read(path, null, labelRequired: false, null, null, Recipe));

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Diagnostic.Code);
        StringAssert.Contains(error.Message, "every input needs one entry per sample");
    }

    // The runner may batch the samples differently from one direct run, and kernels round a little differently per batch.
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5f, $"value {i}");
        }
    }

    private EdgeMLException FitError(LabeledDataset data)
    {
        using var runner = ModelRunner.Create(Model(), "encoder");
        var error = Assert.ThrowsExactly<EdgeMLException>(() => runner.EnsureFits(data, Recipe));
        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Diagnostic.Code);
        Assert.AreEqual(Recipe, error.Diagnostic.Location);
        return error;
    }

    private LabeledDataset Read(params (string Name, byte[] Npy)[] arrays)
    {
        var path = folder.File("tokens.npz");
        NpyWriter.WriteArchive(path, arrays);
        return DatasetReader.Read(path, null, labelRequired: false, null, null, Recipe);
    }

    private static (long[] Ids, long[] Mask) Tokens(int samples, int sequence, int seed)
    {
        var random = new Random(seed);
        var ids = Enumerable.Range(0, samples * sequence).Select(_ => (long)random.Next(Vocabulary)).ToArray();
        var mask = Enumerable.Range(0, samples * sequence).Select(i => i % sequence < sequence - (i / sequence % 2) ? 1L : 0L).ToArray();
        return (ids, mask);
    }

    // The model ONNX Runtime itself runs on the same tensors: the reference the runner must reproduce.
    private static float[] DirectRun(long[] ids, long[] mask, int samples, int sequence)
    {
        using var session = new InferenceSession(Model());
        using var idValue = OrtValue.CreateTensorValueFromMemory(ids, [samples, sequence]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [samples, sequence]);
        using var results = session.Run(new RunOptions(), ["input_ids", "attention_mask"], [idValue, maskValue], ["logits"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Token embedding, masked mean over the sequence, then a classifier: [N, S] ids and mask → [N, 3].</summary>
    private static byte[] Model()
    {
        var builder = new TestModelBuilder(seed: 5);
        var graph = builder.Graph;
        foreach (var name in new[] { "input_ids", "attention_mask" })
        {
            var input = Nodes.TensorValueInfo(name, TensorProto.Types.DataType.Int64, [null, null]);
            input.Type.TensorType.Shape.Dim[1].DimParam = "sequence";
            graph.Input.Add(input);
        }

        var embedding = builder.Initializer("embedding", [Vocabulary, Width]);
        graph.Initializer.Add(Tensors.FromInt64("sequence_axis", [1], [1L]));
        graph.Initializer.Add(Tensors.FromInt64("feature_axis", [1], [2L]));
        var embedded = builder.Node("Gather", [embedding, "input_ids"], "embed");
        var maskFloat = builder.Node("Cast", ["attention_mask"], "mask_float", Nodes.Int("to", (long)TensorProto.Types.DataType.Float));
        var masked = builder.Node("Mul", [embedded, builder.Node("Unsqueeze", [maskFloat, "feature_axis"], "mask_3d")], "masked");
        graph.Node.Add(Nodes.Create("ReduceSum", [masked, "sequence_axis"], ["pooled"], "pool", Nodes.Int("keepdims", 0)));
        var logits = builder.Gemm("pooled", Width, Classes, "classifier");
        graph.Node.Add(Nodes.Create("Identity", [logits], ["logits"], "output"));
        builder.Output("logits", Classes);
        return builder.BuildBytes();
    }
}
