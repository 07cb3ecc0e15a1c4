using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using Microsoft.ML.OnnxRuntime.Tensors;
using DataType = EdgeML.Engine.Onnx.Protobuf.TensorProto.Types.DataType;

namespace EdgeML.Engine.Tests.CodeGen;

[TestClass]
public sealed class ModelSignatureTests
{
    [TestMethod]
    public void ReadsInputsAndOutputsWithDynamicDimensions()
    {
        var signature = ModelSignature.FromModel(TestModels.Classifier());

        var input = signature.Inputs.Single();
        Assert.AreEqual("pixels", input.OnnxName);
        Assert.AreEqual("Pixels", input.CSharpName);
        Assert.AreEqual(TensorElementType.Float, input.ElementType);
        CollectionAssert.AreEqual(new[] { TensorDimension.Dynamic("N"), TensorDimension.Fixed(4) }, input.Shape.ToArray());

        var output = signature.Outputs.Single();
        Assert.AreEqual("Scores", output.CSharpName);
        CollectionAssert.AreEqual(new[] { TensorDimension.Dynamic("N"), TensorDimension.Fixed(3) }, output.Shape.ToArray());
        Assert.IsFalse(output.HoldsProbabilities);
    }

    [TestMethod]
    public void KnowsWhenASoftmaxProducesAnOutput() =>
        Assert.IsTrue(ModelSignature.FromModel(TestModels.SoftmaxClassifier()).Outputs.Single().HoldsProbabilities);

    [TestMethod]
    public void LeavesOutInitializersListedAsInputs()
    {
        var model = TestModels.InitializersAsInputs();
        Assert.HasCount(3, model.Graph.Input);

        var signature = ModelSignature.FromModel(model);

        Assert.AreEqual("pixels", signature.Inputs.Single().OnnxName);
    }

    [TestMethod]
    public void GivesEveryTensorADistinctCSharpName()
    {
        var signature = ModelSignature.FromModel(TestModels.AwkwardNames());

        CollectionAssert.AreEqual(new[] { "Input1", "Class", "Outputs" }, signature.Inputs.Select(i => i.CSharpName).ToArray());
        CollectionAssert.AreEqual(new[] { "Plus214Output0", "Input1_2", "Result_2" }, signature.Outputs.Select(o => o.CSharpName).ToArray());
    }

    [TestMethod]
    public void ReadsADimensionWithoutValueOrNameAsUnknown()
    {
        var model = TestModels.Classifier();
        model.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension();

        var dimension = ModelSignature.FromModel(model).Inputs[0].Shape[0];

        Assert.AreEqual(TensorDimension.Dynamic(), dimension);
        Assert.AreEqual("?", dimension.ToString());
    }

    [TestMethod]
    public void RejectsInputsThatAreNotTensors()
    {
        var model = TestModels.Classifier();
        model.Graph.Input[0].Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = model.Graph.Input[0].Type } };

        var error = Assert.ThrowsExactly<EdgeMLException>(() => ModelSignature.FromModel(model));

        Assert.AreEqual(DiagnosticCodes.ModelUnsupported, error.Diagnostic.Code);
        Assert.Contains("'pixels' is a sequence", error.Message);
    }

    [TestMethod]
    public void RejectsElementTypesWithoutACSharpType()
    {
        var model = TestModels.Classifier();
        model.Graph.Output[0] = Nodes.TensorValueInfo("scores", DataType.Bfloat16, [null, 3]);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => ModelSignature.FromModel(model));

        Assert.AreEqual(DiagnosticCodes.ModelUnsupported, error.Diagnostic.Code);
        Assert.Contains("BFLOAT16", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [TestMethod]
    public void RejectsTensorsWithoutAShape()
    {
        var model = TestModels.Classifier();
        model.Graph.Input[0].Type.TensorType.Shape = null;

        var error = Assert.ThrowsExactly<EdgeMLException>(() => ModelSignature.FromModel(model));

        Assert.AreEqual(DiagnosticCodes.ModelUnsupported, error.Diagnostic.Code);
    }
}
