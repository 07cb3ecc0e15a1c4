using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using EdgeML.Engine.Tests.Traits;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Onnx;

[TestClass]
public sealed class GraphPreparationTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 1, 1);

    [TestMethod]
    public void BatchNormalizationFoldsIntoTheConvWithoutChangingTheOutputs()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 3, 8, 8);
        var normalized = builder.BatchNormalization(builder.Conv(image, 3, 6, 3, "conv"), 6, "bn");
        builder.Output(builder.Relu(normalized), 6, 8, 8);
        var model = builder.Build();

        var (prepared, report) = GraphPreparation.Prepare(model);

        CollectionAssert.AreEqual(new[] { "bn" }, report.FoldedBatchNormalizations.ToArray());
        Assert.IsFalse(prepared.Graph.Node.Any(n => n.OpType == "BatchNormalization"));
        Assert.HasCount(2, prepared.Graph.Initializer, "the conv's weight and bias; the normalization's parameters are gone");
        var (before, after) = Compare(model, prepared, RandomData.Uniform(20, 3 * 8 * 8));
        Assert.IsLessThan(1e-4f, after.MaxAbsoluteDifferenceWith(before));
    }

    [TestMethod]
    public void AConvWithoutBiasGetsTheFoldedOne()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 2, 5, 5);
        var weight = builder.Initializer("w", [4, 2, 3, 3]);
        var conv = builder.Node("Conv", [image, weight], "conv", Nodes.Ints("pads", 1, 1, 1, 1));
        builder.Output(builder.BatchNormalization(conv, 4, "bn"), 4, 5, 5);
        var model = builder.Build();

        var (prepared, _) = GraphPreparation.Prepare(model);

        Assert.HasCount(3, prepared.Graph.Node.Single(n => n.OpType == "Conv").Input);
        var (before, after) = Compare(model, prepared, RandomData.Uniform(10, 2 * 5 * 5));
        Assert.IsLessThan(1e-4f, after.MaxAbsoluteDifferenceWith(before));
    }

    [TestMethod]
    public void ANormalizationWhoseConvIsReadElsewhereStays()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 2, 4, 4);
        var conv = builder.Conv(image, 2, 3, 3, "conv");
        var normalized = builder.BatchNormalization(conv, 3, "bn");
        builder.Output(builder.Node("Add", [conv, normalized], "add"), 3, 4, 4);

        var (prepared, report) = GraphPreparation.Prepare(builder.Build());

        Assert.IsEmpty(report.FoldedBatchNormalizations);
        Assert.IsTrue(prepared.Graph.Node.Any(n => n.OpType == "BatchNormalization"));
    }

    [TestMethod]
    public void WeightsInConstantNodesBecomeInitializersAndQuantize()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 16);
        var weight = Tensors.FromFloats("unused", [16, 8], Enumerable.Range(0, 128).Select(i => MathF.Sin(i) * 0.3f).ToArray());
        builder.Graph.Node.Add(new NodeProto
        {
            OpType = "Constant",
            Name = "weight_constant",
            Output = { "dense/kernel" },
            Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = weight } },
        });
        builder.Output(builder.Node("MatMul", [x, "dense/kernel"], "dense"), 8);
        var model = builder.Build();

        var (prepared, report) = GraphPreparation.Prepare(model);
        var step = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null);
        var plan = QdqQuantizer.Plan(prepared, step);
        var quantized = QdqQuantizer.Apply(prepared, plan, ActivationCalibrator.Collect(prepared, plan.TensorsToCalibrate, RandomData.Uniform(16, 16), Here), step);

        CollectionAssert.AreEqual(new[] { "dense/kernel" }, report.ConstantsMadeInitializers.ToArray());
        CollectionAssert.AreEqual(new[] { "dense" }, plan.QuantizedNodeNames.ToArray(), "the weight is now a constant the quantizer can see");
        var (before, after) = Compare(model, quantized, RandomData.Uniform(20, 16, seed: 3));
        Assert.IsGreaterThan(0.999, after.MeanCosineSimilarityWith(before));
    }

    [TestMethod]
    public void InitializersListedAsInputsStopBeingInputsAndFoldedOnesLeaveNoInputBehind()
    {
        var builder = new TestModelBuilder(opset: 8, irVersion: 3);
        var image = builder.Input("image", 3, 6, 6);
        builder.Output(builder.Relu(builder.BatchNormalization(builder.Conv(image, 3, 4, 3, "conv"), 4, "bn")), 4, 6, 6);
        var model = builder.Build();
        TraitTransforms.ListInitializersAsInputs(model);

        var (prepared, report) = GraphPreparation.Prepare(model);

        Assert.HasCount(6, report.InitializerInputsRemoved, "the conv's weight and bias and the normalization's four parameters");
        Assert.AreEqual("image", prepared.Graph.Input.Single().Name);
        Assert.AreEqual(4, prepared.IrVersion, "IR 4 is the first where initializers need not be inputs");
        var (before, after) = Compare(model, prepared, RandomData.Uniform(10, 3 * 6 * 6));
        Assert.IsLessThan(1e-4f, after.MaxAbsoluteDifferenceWith(before));
    }

    private static (ModelEvaluation Before, ModelEvaluation After) Compare(ModelProto original, ModelProto changed, LabeledDataset data)
    {
        using var before = ModelRunner.Create(original.ToByteArray(), "original");
        using var after = ModelRunner.Create(changed.ToByteArray(), "changed");
        return (ModelEvaluation.Run(before, data, Here), ModelEvaluation.Run(after, data, Here));
    }
}
