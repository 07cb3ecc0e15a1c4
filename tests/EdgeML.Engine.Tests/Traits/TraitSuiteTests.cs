using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Traits;

/// <summary>
/// Every real-world trait through every quantization mode that applies to it: the step runs as the pipeline runs it,
/// the result loads in ONNX Runtime, and it follows the float model on random inputs.
/// </summary>
[TestClass]
public sealed class TraitSuiteTests
{
    private const int Samples = 64;

    public static IEnumerable<object[]> Cases =>
        TraitCatalog.All.SelectMany(trait => trait.Modes.Select(mode => new object[] { trait.Name, mode }));

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void TheTraitQuantizesLoadsAndStaysFaithful(string traitName, QuantizationMode mode)
    {
        var trait = TraitCatalog.All.Single(t => t.Name == traitName);
        using var temp = new TempDirectory();
        var path = trait.Write(temp.Path);
        var original = OnnxModelFile.Read(path, TraitQuantization.StepLine);
        var inputs = WithSampleShape(RandomData.Uniform(Samples, trait.SampleLength, seed: 5, min: -1f), trait);

        var compressed = TraitQuantization.Quantize(path, mode, inputs);

        Assert.IsNotEmpty(compressed.Steps.Single().QuantizedNodes!, $"{mode} quantizes something in {trait.Name}");
        long[] shape = [Samples, .. trait.SampleShape];
        var expected = TraitRunner.Run(original.Bytes, inputs.Batch(0, Samples).ToArray(), shape);
        var actual = TraitRunner.Run(compressed.Model.ToByteArray(), inputs.Batch(0, Samples).ToArray(), shape);
        Assert.HasCount(expected.Length, actual);
        Assert.IsGreaterThanOrEqualTo(0.99, TraitRunner.MeanCosine(expected, actual, Samples));
        if (trait.HasClasses)
        {
            Assert.IsGreaterThanOrEqualTo(0.9, TraitRunner.ArgmaxAgreement(expected, actual, Samples));
        }

        Assert.IsFalse(compressed.Model.Graph.Input.Any(i => compressed.Model.Graph.Initializer.Any(t => t.Name == i.Name)), "no weight is left demanded as an input");
        Assert.HasCount(1, ModelSignature.FromModel(compressed.Model).Inputs);
    }

    [TestMethod]
    public void CalibratingADynamicSequenceNeedsDataThatDeclaresItsShape()
    {
        using var temp = new TempDirectory();
        var trait = TraitCatalog.DynamicSequence;
        var path = trait.Write(temp.Path);

        // Flat rows, as CSV gives them, cannot say how long the sequence is; arrays (.npy/.npz) can.
        var error = Assert.ThrowsExactly<EdgeMLException>(() =>
            TraitQuantization.Quantize(path, QuantizationMode.Static, RandomData.Uniform(8, trait.SampleLength)));

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Diagnostic.Code);
        StringAssert.Contains(error.Message, "samples of that rank");
    }

    // The samples as an array file gives them: with the shape of one sample, which fills dynamic dimensions.
    private static LabeledDataset WithSampleShape(LabeledDataset flat, TraitModel trait) =>
        new(flat.SourcePath, [new DatasetInput(null, trait.SampleShape.Select(d => (int)d).ToArray(), flat.Features, flat.FeatureCount)], flat.Labels);

    [TestMethod]
    public void AnOperatorTheUpgradeDoesNotKnowFailsStaticQuantizationNamingIt()
    {
        using var temp = new TempDirectory();
        var path = TraitCatalog.UnknownOperator(temp.Path);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => TraitQuantization.Quantize(path, QuantizationMode.Static, RandomData.Uniform(8, 32)));

        Assert.AreEqual(DiagnosticCodes.ModelUnsupported, error.Diagnostic.Code);
        Assert.AreEqual(TraitQuantization.StepLine, error.Diagnostic.Location);
        StringAssert.Contains(error.Message, "ReverseSequence (node 'reverse')");
    }

    [TestMethod]
    public void WeightOnlyQuantizationNeedsNoUpgradeForTheSameModel()
    {
        using var temp = new TempDirectory();
        var path = TraitCatalog.UnknownOperator(temp.Path);

        var compressed = TraitQuantization.Quantize(path, QuantizationMode.WeightOnly, RandomData.Uniform(8, 32));

        Assert.AreEqual(10, compressed.Model.DefaultOpset(), "MatMulNBits lives in its own domain; the opset stays");
        Assert.IsTrue(compressed.Model.Graph.Node.Any(n => n.OpType == "MatMulNBits"));
    }

    [TestMethod]
    public void AnIr3ModelsSignatureLeavesItsWeightInputsOut()
    {
        using var temp = new TempDirectory();
        var path = TraitCatalog.All[0].Write(temp.Path);
        var model = OnnxModelFile.Load(path);

        Assert.AreEqual(3, model.IrVersion);
        Assert.IsGreaterThan(1, model.Graph.Input.Count);
        Assert.AreEqual("x", ModelSignature.FromModel(model).Inputs.Single().OnnxName);
    }
}
