using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Preparation;
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
        var data = RandomData.Uniform(10, 16);
        using var before = ModelRunner.Create(model.ToByteArray(), "opset 11");
        using var after = ModelRunner.Create(raised.ToByteArray(), "opset 13");
        CollectionAssert.AreEqual(ModelEvaluation.Run(before, data, Step).Outputs, ModelEvaluation.Run(after, data, Step).Outputs);
    }

    [TestMethod]
    public void AnOperatorWhoseMeaningChangedIsNamedInTheError()
    {
        var builder = new TestModelBuilder(opset: 11);
        var x = builder.Input("x", 8);
        builder.Output(builder.Node("Softmax", [builder.Gemm(x, 8, 4)], "softmax"), 4);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => OpsetUpgrade.ToAtLeast(builder.Build(), 13, Step));

        Assert.AreEqual(DiagnosticCodes.ModelUnsupported, error.Diagnostic.Code);
        Assert.AreEqual(Step, error.Diagnostic.Location);
        StringAssert.Contains(error.Message, "Softmax operator changed meaning");
    }

    [TestMethod]
    public void ANewEnoughModelIsReturnedAsItIs()
    {
        var model = new TestModelBuilder(opset: 17).Build();

        Assert.AreSame(model, OpsetUpgrade.ToAtLeast(model, 13, Step));
    }
}
