using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Onnx;

[TestClass]
public sealed class OpsetUpgradeTests
{
    private static readonly SourceLocation Step = new("test.edgeml.yaml", 6, 5);

    [TestMethod]
    public void AGraphOfStableOperatorsIsRaisedAndComputesTheSame()
    {
        var builder = new TestModelBuilder(opset: 11);
        var x = builder.Input("x", 16);
        builder.Output(builder.Gemm(builder.Relu(builder.Gemm(x, 16, 32)), 32, 4), 4);
        var model = builder.Build();

        var raised = OpsetUpgrade.ToAtLeast(model, 13, Step);

        Assert.AreEqual(13, raised.DefaultOpset());
        Assert.AreEqual(11, model.DefaultOpset(), "the original is left alone");
        AssertComputesTheSame(model, raised, 16);
    }

    /// <summary>Each operator whose meaning changed, from the opset an exporter would have written, raised to 13 and to 21.</summary>
    [TestMethod]
    [DataRow("Softmax over axis 1 of a 3-D tensor", 8)]
    [DataRow("Softmax over the last axis", 8)]
    [DataRow("LogSoftmax over the last axis", 11)]
    [DataRow("Hardmax over axis 1 of a 3-D tensor", 9)]
    [DataRow("Squeeze and Unsqueeze", 8)]
    [DataRow("ReduceSum and ReduceMean", 8)]
    [DataRow("Split with sizes", 8)]
    [DataRow("Split in equal parts", 11)]
    [DataRow("Clip", 8)]
    [DataRow("Pad", 8)]
    [DataRow("Slice", 8)]
    [DataRow("TopK", 8)]
    [DataRow("Upsample 7 nearest", 8)]
    [DataRow("Upsample 7 linear", 8)]
    [DataRow("Upsample 9", 9)]
    [DataRow("Resize 10 shrinking", 10)]
    [DataRow("Dropout", 8)]
    [DataRow("BatchNormalization with spatial", 8)]
    public void AnOperatorWhoseMeaningChangedIsConvertedAndComputesTheSame(string graph, int opset)
    {
        var (model, features) = Graphs.Build(graph, opset);

        foreach (var target in new[] { 13L, 21L })
        {
            var raised = OpsetUpgrade.ToAtLeast(model, target, Step);

            Assert.AreEqual(target, raised.DefaultOpset());
            Assert.AreEqual(OpsetUpgrade.OldestIrVersionFor(target), raised.IrVersion);
            AssertComputesTheSame(model, raised, features);
        }
    }

    [TestMethod]
    public void SoftmaxOverTheLastAxisOnlyChangesItsAxis()
    {
        var (model, _) = Graphs.Build("Softmax over the last axis", 8);

        var raised = OpsetUpgrade.ToAtLeast(model, 13, Step);

        CollectionAssert.AreEqual(model.Graph.Node.Select(n => n.OpType).ToArray(), raised.Graph.Node.Select(n => n.OpType).ToArray());
        Assert.AreEqual(-1, raised.Graph.Node.Single(n => n.OpType == "Softmax").GetInt("axis", 0));
    }

    [TestMethod]
    public void UpsampleBecomesResizeAndDropoutIdentity()
    {
        var upsample = OpsetUpgrade.ToAtLeast(Graphs.Build("Upsample 7 nearest", 8).Model, 13, Step);
        var dropout = OpsetUpgrade.ToAtLeast(Graphs.Build("Dropout", 8).Model, 13, Step);

        var resize = upsample.Graph.Node.Single(n => n.OpType == "Resize");
        Assert.AreEqual("asymmetric", resize.GetString("coordinate_transformation_mode", ""));
        Assert.AreEqual("floor", resize.GetString("nearest_mode", ""));
        Assert.IsFalse(dropout.Graph.Node.Any(n => n.OpType == "Dropout"));
        Assert.IsTrue(dropout.Graph.Node.Any(n => n.OpType == "Identity"));
    }

    [TestMethod]
    public void AnOperatorTheUpgradeDoesNotKnowIsNamedWithItsNode()
    {
        var builder = new TestModelBuilder(opset: 11);
        var x = builder.Input("x", 8);
        builder.Output(builder.Node("RoiAlign", [builder.Gemm(x, 8, 4)], "roi"), 4);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => OpsetUpgrade.ToAtLeast(builder.Build(), 13, Step));

        Assert.AreEqual(DiagnosticCodes.ModelUnsupported, error.Diagnostic.Code);
        Assert.AreEqual(Step, error.Diagnostic.Location);
        StringAssert.Contains(error.Message, "RoiAlign (node 'roi')");
    }

    [TestMethod]
    public void ADropoutWhoseMaskIsReadIsAnErrorNamingTheNode()
    {
        var builder = new TestModelBuilder(opset: 8);
        var x = builder.Input("x", 4);
        builder.Graph.Node.Add(Nodes.Create("Dropout", [x], ["kept", "mask"], "drop"));
        builder.Graph.Node.Add(Nodes.Create("Cast", ["mask"], ["mask_float"], "cast", Nodes.Int("to", (long)TensorProto.Types.DataType.Float)));
        builder.Output(builder.Node("Add", ["kept", "mask_float"], "sum"), 4);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => OpsetUpgrade.ToAtLeast(builder.Build(), 13, Step));

        StringAssert.Contains(error.Message, "Dropout node 'drop' cannot be raised to opset 10");
        StringAssert.Contains(error.Message, "mask");
    }

    [TestMethod]
    public void NearestResizingWithComputedScalesIsAnErrorNamingTheNode()
    {
        var builder = new TestModelBuilder(opset: 10);
        var x = builder.Input("x", 2, 3, 3);
        var scales = builder.Node("Abs", [builder.Initializer("scales", [4], [1f, 1f, 2f, 2f])], "scales_abs");
        builder.Output(builder.Node("Resize", [x, scales], "resize", Nodes.String("mode", "nearest")), 2, 6, 6);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => OpsetUpgrade.ToAtLeast(builder.Build(), 13, Step));

        Assert.AreEqual(DiagnosticCodes.ModelUnsupported, error.Diagnostic.Code);
        StringAssert.Contains(error.Message, "Resize node 'resize'");
    }

    [TestMethod]
    [DataRow(7, 13)]
    [DataRow(13, 22)]
    public void OpsetsOutsideTheUpgradableRangeAreAnError(int from, int to)
    {
        var model = new TestModelBuilder(opset: from).Build();

        var error = Assert.ThrowsExactly<EdgeMLException>(() => OpsetUpgrade.ToAtLeast(model, to, Step));

        StringAssert.Contains(error.Message, $"only opsets {OpsetUpgrade.OldestUpgradable} to {OpsetUpgrade.Newest}");
    }

    [TestMethod]
    public void ANewEnoughModelIsReturnedAsItIs()
    {
        var model = new TestModelBuilder(opset: 17).Build();

        Assert.AreSame(model, OpsetUpgrade.ToAtLeast(model, 13, Step));
    }

    private static void AssertComputesTheSame(ModelProto original, ModelProto raised, int features)
    {
        var data = RandomData.Uniform(12, features, seed: 3, min: -2f, max: 2f);
        using var before = ModelRunner.Create(original.ToByteArray(), $"opset {original.DefaultOpset()}");
        using var after = ModelRunner.Create(raised.ToByteArray(), $"opset {raised.DefaultOpset()}");
        var expected = ModelEvaluation.Run(before, data, Step);
        var actual = ModelEvaluation.Run(after, data, Step);
        Assert.HasCount(expected.Outputs.Length, actual.Outputs);
        Assert.IsLessThan(1e-5f, actual.MaxAbsoluteDifferenceWith(expected), $"opset {raised.DefaultOpset()} computes what opset {original.DefaultOpset()} did");
    }

    /// <summary>Small graphs around one operator, in the form its old opset defines.</summary>
    private static class Graphs
    {
        public static (ModelProto Model, int Features) Build(string graph, int opset)
        {
            var b = new TestModelBuilder(opset: opset, irVersion: OpsetUpgrade.OldestIrVersionFor(opset));
            var features = graph switch
            {
                "Softmax over axis 1 of a 3-D tensor" => Single(b, "Softmax", [4, 5], [4, 5], Nodes.Int("axis", 1)),
                "Hardmax over axis 1 of a 3-D tensor" => Single(b, "Hardmax", [4, 5], [4, 5], Nodes.Int("axis", 1)),
                "LogSoftmax over the last axis" => Single(b, "LogSoftmax", [3, 6], [3, 6], Nodes.Int("axis", 2)),
                "Softmax over the last axis" => SoftmaxAfterGemm(b),
                "Squeeze and Unsqueeze" => SqueezeUnsqueeze(b),
                "ReduceSum and ReduceMean" => Reductions(b),
                "Split with sizes" => Split(b, Nodes.Ints("split", 2, 4)),
                "Split in equal parts" => Split(b),
                "Clip" => Single(b, "Clip", [6], [6], Nodes.Float("min", -0.5f), Nodes.Float("max", 1f)),
                "Pad" => Single(b, "Pad", [2, 3], [2, 6], Nodes.Ints("pads", 0, 0, 1, 0, 0, 2), Nodes.Float("value", 0.25f)),
                "Slice" => Single(b, "Slice", [8], [4], Nodes.Ints("starts", 2), Nodes.Ints("ends", 6), Nodes.Ints("axes", 1)),
                "TopK" => TopK(b),
                "Upsample 7 nearest" => Single(b, "Upsample", [2, 3, 3], [2, 6, 9], Nodes.Floats("scales", 1, 1, 2, 3)),
                "Upsample 7 linear" => Single(b, "Upsample", [2, 3, 3], [2, 6, 6], Nodes.Floats("scales", 1, 1, 2, 2), Nodes.String("mode", "linear")),
                "Upsample 9" => WithScales(b, "Upsample", [1, 1, 2, 2], [2, 8, 8]),
                "Resize 10 shrinking" => WithScales(b, "Resize", [1, 1, 0.5f, 0.5f], [2, 2, 2]),
                "Dropout" => Single(b, "Dropout", [6], [6], Nodes.Float("ratio", 0.3f)),
                "BatchNormalization with spatial" => Normalization(b),
                _ => throw new ArgumentOutOfRangeException(nameof(graph), graph),
            };
            return (b.Build(), features);
        }

        // One node between the input and the output; the dims exclude the batch.
        private static int Single(TestModelBuilder b, string op, long[] inputDims, long[] outputDims, params AttributeProto[] attributes)
        {
            var x = b.Input("x", inputDims);
            b.Output(b.Node(op, [x], op.ToLowerInvariant(), attributes), outputDims);
            return (int)Tensors.ElementCount(inputDims);
        }

        private static int WithScales(TestModelBuilder b, string op, float[] scales, long[] outputDims)
        {
            var x = b.Input("x", 2, 4, 4);
            var scale = b.Initializer("scales", [scales.Length], scales);
            b.Output(b.Node(op, [x, scale], op.ToLowerInvariant(), Nodes.String("mode", "nearest")), outputDims);
            return 2 * 4 * 4;
        }

        private static int SoftmaxAfterGemm(TestModelBuilder b)
        {
            var x = b.Input("x", 8);
            b.Output(b.Node("Softmax", [b.Gemm(x, 8, 5)], "softmax"), 5);
            return 8;
        }

        private static int SqueezeUnsqueeze(TestModelBuilder b)
        {
            var x = b.Input("x", 4);
            var expanded = b.Node("Unsqueeze", [x], "unsqueeze", Nodes.Ints("axes", 1));
            b.Output(b.Node("Squeeze", [b.Node("Sigmoid", [expanded], "sigmoid")], "squeeze", Nodes.Ints("axes", 1)), 4);
            return 4;
        }

        private static int Reductions(TestModelBuilder b)
        {
            var x = b.Input("x", 3, 4);
            var sum = b.Node("ReduceSum", [x], "sum", Nodes.Ints("axes", 2), Nodes.Int("keepdims", 0));
            b.Output(b.Node("ReduceMean", [sum], "mean", Nodes.Ints("axes", 1)), 1);
            return 12;
        }

        private static int Split(TestModelBuilder b, params AttributeProto[] split)
        {
            var x = b.Input("x", 6);
            b.Graph.Node.Add(Nodes.Create("Split", [x], ["left", "right"], "split", [Nodes.Int("axis", 1), .. split]));
            var left = b.Node("Relu", ["left"], "relu");
            var right = b.Node("Sigmoid", ["right"], "sigmoid");
            b.Output(b.Node("Concat", [right, left], "concat", Nodes.Int("axis", 1)), 6);
            return 6;
        }

        private static int TopK(TestModelBuilder b)
        {
            var x = b.Input("x", 7);
            b.Graph.Node.Add(Nodes.Create("TopK", [x], ["values", "indices"], "topk", Nodes.Int("k", 3)));
            b.Output(b.Node("Relu", ["values"], "relu"), 3);
            return 7;
        }

        private static int Normalization(TestModelBuilder b)
        {
            var x = b.Input("x", 3, 2, 2);
            var normalized = b.BatchNormalization(b.Node("Relu", [x], "relu"), 3, "bn");
            b.Graph.Node.Single(n => n.Name == "bn").Attribute.Add(Nodes.Int("spatial", 1));
            b.Output(normalized, 3, 2, 2);
            return 12;
        }
    }
}
