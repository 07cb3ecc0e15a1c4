using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization.Fp16;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Quantization;

[TestClass]
public sealed class Fp16ConverterTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    [TestMethod]
    public void MlpHalvesInSizeKeepsItsFloatSignatureAndItsOutputs()
    {
        var model = Mlp(out _);

        var result = Fp16Converter.Apply(model, Step());

        CollectionAssert.AreEqual(new[] { "dense1", "dense1_add", "dense2", "dense2_add", "dense3", "dense3_add" }, result.QuantizedNodeNames.ToArray());
        Assert.IsEmpty(result.Skipped);
        var ratio = result.Model.CalculateSize() / (double)model.CalculateSize();
        Assert.IsTrue(ratio is > 0.49 and < 0.51, $"size ratio {ratio}");
        Assert.AreEqual(model.Graph.Input.ToString(), result.Model.Graph.Input.ToString(), "float inputs stay");
        Assert.AreEqual(model.Graph.Output.ToString(), result.Model.Graph.Output.ToString(), "float outputs stay");
        Assert.IsFalse(result.Model.Graph.Initializer.Any(t => t.DataType == (int)TensorProto.Types.DataType.Float), "no float initializer is left");
        Assert.IsLessThanOrEqualTo(1e-2, RelativeError(model, result.Model));
    }

    [TestMethod]
    public void InitializerBeyondFloat16StaysFloatAndNamesItsReader()
    {
        var model = Mlp(out var builder);
        // A bias of 1e6 would become infinity in float16.
        var huge = Enumerable.Repeat(1e6f, 128).ToArray();
        builder.Graph.Initializer.Single(t => t.Name == "dense2/bias").RawData = Tensors(huge);
        model = builder.Build();

        var result = Fp16Converter.Apply(model, Step());

        var skipped = result.Skipped.Single();
        Assert.AreEqual(("dense2_add", "Add"), (skipped.NodeName, skipped.OpType));
        StringAssert.Contains(skipped.Reason, "'dense2/bias'");
        StringAssert.Contains(skipped.Reason, "beyond float16");
        Assert.AreEqual((int)TensorProto.Types.DataType.Float, result.Model.Graph.Initializer.Single(t => t.Name == "dense2/bias").DataType);
        CollectionAssert.DoesNotContain(result.QuantizedNodeNames.ToArray(), "dense2_add");
        Assert.IsLessThanOrEqualTo(1e-2, RelativeError(model, result.Model));
    }

    [TestMethod]
    public void ValuesThatAllUnderflowAndExcludedNodesStayFloat()
    {
        var model = Mlp(out var builder);
        builder.Graph.Initializer.Single(t => t.Name == "dense1/bias").RawData = Tensors(Enumerable.Repeat(1e-9f, 128).ToArray());
        model = builder.Build();

        var result = Fp16Converter.Apply(model, Step() with { ExcludeNodes = ["dense3"] });

        CollectionAssert.AreEquivalent(
            new[] { ("dense1_add", "underflows"), ("dense3", "excluded by the recipe") },
            result.Skipped.Select(s => (s.NodeName, s.Reason.Contains("underflows") ? "underflows" : s.Reason[(s.Reason.IndexOf(": ", StringComparison.Ordinal) + 2)..])).ToArray());
    }

    /// <summary>Three dense layers 64-128-128-10 with ReLUs.</summary>
    private static ModelProto Mlp(out TestModelBuilder builder)
    {
        builder = new TestModelBuilder();
        var x = builder.Input("x", 64);
        var h = builder.Relu(builder.MatMulAdd(x, 64, 128, "dense1"));
        h = builder.Relu(builder.MatMulAdd(h, 128, 128, "dense2"));
        builder.Output(builder.MatMulAdd(h, 128, 16, "dense3"), 16);
        return builder.Build();
    }

    private static ByteString Tensors(float[] values) => EdgeML.Engine.Onnx.Tensors.FromFloats("unused", [values.Length], values).RawData;

    private static QuantizeStep Step() =>
        new(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null) { Mode = QuantizationMode.Fp16 };

    /// <summary>‖quantized − original‖ / ‖original‖ over all outputs of 64 random samples.</summary>
    private static double RelativeError(ModelProto original, ModelProto converted)
    {
        var data = RandomData.Uniform(64, 64, seed: 11, min: -1f);
        var expected = Outputs(original, data);
        var actual = Outputs(converted, data);
        var difference = expected.Zip(actual, (e, a) => (double)(e - a) * (e - a)).Sum();
        return Math.Sqrt(difference / expected.Sum(e => (double)e * e));
    }

    private static List<float> Outputs(ModelProto model, EdgeML.Engine.Data.LabeledDataset data)
    {
        using var runner = ModelRunner.Create(model.ToByteArray(), "model");
        var values = new List<float>();
        runner.RunBatches(data, runner.OutputNames, batch => values.AddRange(batch.Output(0).ToArray()));
        return values;
    }
}
