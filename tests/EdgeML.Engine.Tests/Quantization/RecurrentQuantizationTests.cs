using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization.Dynamic;
using EdgeML.Engine.Quantization.WeightOnly;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Quantization;

/// <summary>LSTM and GRU weights in int8: DynamicQuantizeLSTM, or int8 behind DequantizeLinear where no integer kernel exists.</summary>
[TestClass]
public sealed class RecurrentQuantizationTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    [TestMethod]
    [DataRow("forward", true, false)]
    [DataRow("forward", false, true)]
    [DataRow("reverse", true, true)]
    [DataRow("bidirectional", true, true)]
    [DataRow("bidirectional", false, false)]
    public void DynamicModeRunsLstmInDynamicQuantizeLstmFaithfullyOnAnySequenceLength(string direction, bool bias, bool initialStates)
    {
        var model = RecurrentModels.Lstm(direction, bias, initialStates);

        foreach (var perChannel in new[] { true, false })
        {
            var result = DynamicQuantizer.Apply(model, Step(QuantizationMode.Dynamic) with { PerChannel = perChannel });

            CollectionAssert.AreEqual(new[] { "lstm" }, result.QuantizedNodeNames.ToArray());
            var lstm = result.Model.Graph.Node.Single();
            Assert.AreEqual(("DynamicQuantizeLSTM", MicrosoftOperators.Domain), (lstm.OpType, lstm.Domain));
            Assert.HasCount(12, lstm.Input);
            var directions = RecurrentModels.Directions(direction);
            var w = Initializer(result.Model, lstm.Input[1]);
            Assert.AreEqual((int)TensorProto.Types.DataType.Int8, w.DataType);
            CollectionAssert.AreEqual(new long[] { directions, RecurrentModels.InputSize, 4 * RecurrentModels.Hidden }, w.Dims.ToArray(), "W is transposed to [D, I, 4H]");
            CollectionAssert.AreEqual(perChannel ? new long[] { directions, 4 * RecurrentModels.Hidden } : [directions], Initializer(result.Model, lstm.Input[8]).Dims.ToArray());
            Assert.IsLessThan(0.32, result.Model.CalculateSize() / (double)model.CalculateSize(), "W and R in int8, the bias in float");
            foreach (var (sequence, batch) in new[] { (1, 1), (5, 2), (17, 3) })
            {
                var inputs = RecurrentModels.Inputs(model, sequence, batch, seed: sequence);
                Assert.IsGreaterThanOrEqualTo(0.99, ModelOutputs.Cosine(model, result.Model, inputs), $"per_channel={perChannel}, [{sequence}, {batch}]");
            }
        }
    }

    [TestMethod]
    [DataRow("forward", false)]
    [DataRow("forward", true)]
    [DataRow("bidirectional", true)]
    public void GruWeightsAreStoredInt8BehindDequantizeLinearAndComputeInFloat(string direction, bool linearBeforeReset)
    {
        var model = RecurrentModels.Gru(direction, linearBeforeReset);

        var result = DynamicQuantizer.Apply(model, Step(QuantizationMode.Dynamic));

        CollectionAssert.AreEqual(new[] { "gru" }, result.QuantizedNodeNames.ToArray());
        CollectionAssert.AreEqual(new[] { "DequantizeLinear", "Reshape", "DequantizeLinear", "Reshape", "GRU" }, result.Model.Graph.Node.Select(n => n.OpType).ToArray());
        var rows = RecurrentModels.Directions(direction) * 3 * RecurrentModels.Hidden;
        var w = Initializer(result.Model, result.Model.Graph.Node[0].Input[0]);
        CollectionAssert.AreEqual(new long[] { rows, RecurrentModels.InputSize }, w.Dims.ToArray(), "one scale per direction and gate row");
        CollectionAssert.AreEqual(new long[] { rows }, Initializer(result.Model, result.Model.Graph.Node[0].Input[1]).Dims.ToArray());
        Assert.IsFalse(result.Model.Graph.Initializer.Any(t => t.Name is "W" or "R"), "the float weights are gone");
        Assert.IsLessThan(0.35, result.Model.CalculateSize() / (double)model.CalculateSize());
        foreach (var (sequence, batch) in new[] { (1, 2), (9, 3) })
        {
            Assert.IsGreaterThanOrEqualTo(0.99, ModelOutputs.Cosine(model, result.Model, RecurrentModels.Inputs(model, sequence, batch, seed: 2)), $"[{sequence}, {batch}]");
        }
    }

    [TestMethod]
    public void WeightOnlyModeKeepsLstmAndGruInFloatWithInt8Weights()
    {
        foreach (var model in new[] { RecurrentModels.Lstm("bidirectional", bias: true, initialStates: true), RecurrentModels.Gru("reverse", linearBeforeReset: true) })
        {
            var result = WeightOnlyQuantizer.Apply(model, Step(QuantizationMode.WeightOnly));

            var node = result.Model.Graph.Node.Last();
            Assert.AreEqual(model.Graph.Node.Single().OpType, node.OpType, "MatMulNBits has no recurrent form: the node stays, its weights are dequantized");
            CollectionAssert.AreEqual(new[] { node.Name }, result.QuantizedNodeNames.ToArray());
            Assert.AreEqual(2, result.Model.Graph.Node.Count(n => n.OpType == "DequantizeLinear"));
            Assert.IsLessThan(0.35, result.Model.CalculateSize() / (double)model.CalculateSize());
            Assert.IsGreaterThanOrEqualTo(0.99, ModelOutputs.Cosine(model, result.Model, RecurrentModels.Inputs(model, 7, 2, seed: 4)), node.OpType);
        }
    }

    [TestMethod]
    public void StaticModesSecondPassQuantizesRecurrentNodesAndLeavesTheRestAsItIs()
    {
        var model = RecurrentModels.Classifier();

        var result = DynamicQuantizer.ApplyAfterStatic(model, Step(QuantizationMode.Static));

        CollectionAssert.AreEqual(new[] { "lstm", "gru" }, result.QuantizedNodeNames.ToArray(), "the head Gemm is the static quantizer's");
        Assert.AreEqual("Gemm", result.Model.Graph.Node.Single(n => n.Name == "head").OpType);
        Assert.AreEqual("DynamicQuantizeLSTM", result.Model.Graph.Node.Single(n => n.Name == "lstm").OpType);
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, result.Model, 6 * RecurrentModels.InputSize));
    }

    [TestMethod]
    public void AStaticRecipeOnASequenceClassifierQuantizesTheHeadStaticallyAndTheRecurrentNodesDynamically()
    {
        using var temp = new TempDirectory();
        var recipe = RandomDataRecipes.Quantize(temp, RecurrentModels.Classifier(), 6 * RecurrentModels.InputSize, classes: 4);

        var outcome = RandomDataRecipes.Optimize(temp, recipe);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        CollectionAssert.IsSubsetOf(new[] { "head", "lstm", "gru" }, outcome.Report.Steps.Single().QuantizedNodes!.ToArray());
        Assert.IsLessThan(0.35, outcome.Report.Measurements.SizeRatio);
        Assert.IsGreaterThanOrEqualTo(0.99, outcome.Report.Measurements.MeanCosineSimilarity!.Value);
    }

    [TestMethod]
    public void RecurrentNodesThatCannotBeQuantizedStayInFloatWithAReason()
    {
        var model = RecurrentModels.Lstm("forward", bias: true, initialStates: false);
        var withInputWeights = model.Clone();
        withInputWeights.Graph.Initializer.Remove(withInputWeights.Graph.Initializer.Single(t => t.Name == "R"));
        withInputWeights.Graph.Input.Add(new ValueInfoProto { Name = "R", Type = RecurrentModels.FloatType() });
        var oldOpset = RecurrentModels.Gru("forward", linearBeforeReset: false);
        oldOpset.OpsetImport.Single().Version = 11;

        var excluded = DynamicQuantizer.Apply(model, Step(QuantizationMode.Dynamic) with { ExcludeNodes = ["lstm"] });
        var variable = DynamicQuantizer.Apply(withInputWeights, Step(QuantizationMode.Dynamic));
        var old = DynamicQuantizer.Apply(oldOpset, Step(QuantizationMode.Dynamic));
        var notListed = DynamicQuantizer.Apply(model, Step(QuantizationMode.Dynamic) with { OpTypes = ["MatMul"] });

        Assert.AreEqual("excluded by the recipe", excluded.Skipped.Single().Reason);
        Assert.AreEqual("its R is not a constant initializer", variable.Skipped.Single().Reason);
        StringAssert.Contains(old.Skipped.Single().Reason, "opset 13");
        Assert.IsEmpty(notListed.Skipped);
        Assert.IsEmpty(notListed.QuantizedNodeNames);
        foreach (var unchanged in new[] { excluded, variable, old, notListed })
        {
            Assert.AreEqual(1, unchanged.Model.Graph.Node.Count, "the node is left exactly as it was");
        }
    }

    private static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(t => t.Name == name);

    private static QuantizeStep Step(QuantizationMode mode) =>
        new(Here, mode == QuantizationMode.WeightOnly ? WeightType.Int4 : WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypesFor(mode), [], null) { Mode = mode };
}
