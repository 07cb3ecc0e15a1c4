using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Quantization;

[TestClass]
public sealed class BiasCorrectionTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    [TestMethod]
    public void CorrectingTheBiasRemovesTheMeanShiftOfPerTensorWeights()
    {
        // One large weight makes the per-tensor scale coarse; with inputs in [0, 1] (mean 0.5) the rounding of the
        // many small weights shifts each output channel's mean by δW·E[x].
        var model = CoarseGemmModel();
        var step = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: false, QuantizeStep.DefaultOpTypes, [], null) { BiasCorrection = true };
        var calibration = RandomData.Uniform(256, 64);
        var plan = QdqQuantizer.Plan(model, step);
        var quantized = QdqQuantizer.Apply(model, plan, ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, Here), step);

        var (corrected, nodes) = BiasCorrection.Apply(model, quantized, plan, calibration, Here);

        CollectionAssert.AreEqual(new[] { "fc1", "fc2" }, nodes.ToArray());
        var test = RandomData.Uniform(500, 64, seed: 99);
        var reference = Outputs(model, test);
        var (shiftBefore, errorBefore) = Errors(reference, Outputs(quantized, test));
        var (shiftAfter, errorAfter) = Errors(reference, Outputs(corrected, test));
        // Measured: shift 0.0067 -> 0.0003, mean abs error 0.0089 -> 0.0052.
        Assert.IsLessThan(0.2 * shiftBefore, shiftAfter, "the systematic per-channel shift is mostly gone on unseen data");
        Assert.IsLessThan(0.8 * errorBefore, errorAfter, "and the output is closer to the float model's");
    }

    [TestMethod]
    public void AMatMulIsCorrectedThroughTheAddAfterIt()
    {
        var model = CoarseMatMulAddModel();
        // The Add stays float: only the weighted operators are quantized.
        var step = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: false, QuantizeStep.WeightedOpTypes, [], null) { BiasCorrection = true };
        var calibration = RandomData.Uniform(256, 64);
        var plan = QdqQuantizer.Plan(model, step);
        var quantized = QdqQuantizer.Apply(model, plan, ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, Here), step);

        var (corrected, nodes) = BiasCorrection.Apply(model, quantized, plan, calibration, Here);

        CollectionAssert.AreEqual(new[] { "dense" }, nodes.ToArray());
        var test = RandomData.Uniform(500, 64, seed: 99);
        var reference = Outputs(model, test);
        // Measured: shift 0.0082 -> 0.0007.
        Assert.IsLessThan(0.2 * Errors(reference, Outputs(quantized, test)).Shift, Errors(reference, Outputs(corrected, test)).Shift);
    }

    [TestMethod]
    public void AQuantizedAddsConstantIsRequantizedWithTheCorrection()
    {
        var model = CoarseMatMulAddModel();
        var step = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: false, QuantizeStep.DefaultOpTypes, [], null) { BiasCorrection = true };
        var calibration = RandomData.Uniform(256, 64);
        var plan = QdqQuantizer.Plan(model, step);
        var quantized = QdqQuantizer.Apply(model, plan, ActivationCalibrator.Collect(model, plan.TensorsToCalibrate, calibration, Here), step);

        var (corrected, nodes) = BiasCorrection.Apply(model, quantized, plan, calibration, Here);

        CollectionAssert.AreEquivalent(new[] { "dense", "dense_add" }, plan.QuantizedNodeNames.ToArray());
        CollectionAssert.AreEqual(new[] { "dense" }, nodes.ToArray(), "the Add itself has no bias of its own");
        var constant = corrected.Graph.Initializer.Single(t => t.Name == "dense/bias_quantized");
        Assert.AreEqual((int)TensorProto.Types.DataType.Int8, constant.DataType, "the Add's constant stays quantized");
        var test = RandomData.Uniform(500, 64, seed: 99);
        var reference = Outputs(model, test);
        // The quantized Add also rounds its output onto a grid coarser than the shift, so less of the shift goes:
        // measured 0.0087 -> 0.0020.
        Assert.IsLessThan(0.4 * Errors(reference, Outputs(quantized, test)).Shift, Errors(reference, Outputs(corrected, test)).Shift);
    }

    // Dense layer as TensorFlow writes it, with one large weight that makes the per-tensor scale coarse.
    private static ModelProto CoarseMatMulAddModel()
    {
        var builder = new TestModelBuilder(seed: 3);
        var x = builder.Input("x", 64);
        var product = builder.Node("MatMul", [x, builder.Initializer("dense/kernel", [64, 10], CoarseWeights(64 * 10))], "dense");
        builder.Output(builder.Node("Add", [product, builder.Initializer("dense/bias", [10], 0.1f)], "dense_add"), 10);
        return builder.Build();
    }

    private static float[] CoarseWeights(int count)
    {
        var weights = RandomData.Normal(count, seed: 5).Select(v => v * 0.05f).ToArray();
        weights[0] = 2f;
        return weights;
    }

    private static ModelProto CoarseGemmModel()
    {
        var builder = new TestModelBuilder(seed: 3);
        var x = builder.Input("x", 64);
        var h = builder.Relu(builder.Node("Gemm", [x, builder.Initializer("fc1.weight", [32, 64], CoarseWeights(32 * 64)), builder.Initializer("fc1.bias", [32], 0.1f)], "fc1", Nodes.Int("transB", 1)));
        builder.Output(builder.Gemm(h, 32, 10, "fc2"), 10);
        return builder.Build();
    }

    private static float[] Outputs(ModelProto model, LabeledDataset data)
    {
        using var runner = ModelRunner.Create(model.ToByteArray(), "model");
        var values = new List<float>();
        runner.RunBatches(data, runner.OutputNames, batch => values.AddRange(batch.Output(0).ToArray()));
        return [.. values];
    }

    // Mean over the 10 outputs of |mean difference|, and the mean absolute difference.
    private static (double Shift, double Error) Errors(float[] reference, float[] candidate)
    {
        const int Channels = 10;
        var sums = new double[Channels];
        for (var i = 0; i < reference.Length; i++)
        {
            sums[i % Channels] += candidate[i] - reference[i];
        }

        var samples = reference.Length / Channels;
        return (sums.Average(s => Math.Abs(s / samples)), reference.Zip(candidate, (r, c) => Math.Abs(c - (double)r)).Average());
    }
}
