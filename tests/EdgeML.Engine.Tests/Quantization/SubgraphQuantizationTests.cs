using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Quantization.Dynamic;
using EdgeML.Engine.Quantization.Fp16;
using EdgeML.Engine.Quantization.WeightOnly;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Quantization;

/// <summary>Weights inside If branches, Loop and Scan bodies, their own or the main graph's, in every quantization mode.</summary>
[TestClass]
public sealed class SubgraphQuantizationTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    private static readonly Dictionary<string, string[]> SubgraphMatMuls = new()
    {
        ["If"] = ["then_hidden", "then_head", "else_hidden", "else_head"],
        ["Loop"] = ["loop_step", "loop_mix"],
        ["Scan"] = ["scan_input", "scan_recurrent"],
    };

    [TestMethod]
    [DataRow("If", QuantizationMode.Dynamic)]
    [DataRow("If", QuantizationMode.WeightOnly)]
    [DataRow("If", QuantizationMode.Fp16)]
    [DataRow("Loop", QuantizationMode.Dynamic)]
    [DataRow("Loop", QuantizationMode.WeightOnly)]
    [DataRow("Loop", QuantizationMode.Fp16)]
    [DataRow("Scan", QuantizationMode.Dynamic)]
    [DataRow("Scan", QuantizationMode.WeightOnly)]
    [DataRow("Scan", QuantizationMode.Fp16)]
    public void WeightsInsideSubgraphsAreQuantizedAndTheModelStaysFaithful(string kind, QuantizationMode mode)
    {
        var model = ControlFlowModels.Build(kind);
        var quantize = mode switch
        {
            QuantizationMode.Dynamic => DynamicQuantizer.Apply,
            QuantizationMode.WeightOnly => (m, s) => WeightOnlyQuantizer.Apply(m, s),
            _ => (Func<ModelProto, QuantizeStep, QuantizationResult>)Fp16Converter.Apply,
        };

        var result = quantize(model, Step(mode));

        CollectionAssert.IsSubsetOf(SubgraphMatMuls[kind], result.QuantizedNodeNames.ToArray(), string.Join(", ", result.QuantizedNodeNames));
        Assert.Contains("head_fc", result.QuantizedNodeNames);
        Assert.IsEmpty(result.Skipped);
        var floatWeights = GraphReferences.WithSubgraphs(result.Model.Graph).SelectMany(g => g.Initializer)
            .Where(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count == 2).Select(t => t.Name).ToArray();
        Assert.IsEmpty(floatWeights, "no float weight matrix is left in any graph: " + string.Join(", ", floatWeights));
        Assert.IsLessThan(mode == QuantizationMode.Fp16 ? 0.55 : 0.33, result.Model.CalculateSize() / (double)model.CalculateSize(), "weight-only int8 blocks of 32 take 9 bits a weight");
        // x and -x: the If takes each branch once.
        foreach (var sign in new[] { 1f, -1f })
        {
            var input = ModelOutputs.NormalInputs(seed: 9, ("x", kind == "Scan" ? [16, ControlFlowModels.ScanSteps, ControlFlowModels.Features] : [16, ControlFlowModels.Features]));
            foreach (var i in Enumerable.Range(0, (int)input["x"].Length))
            {
                input["x"].SetValue(i, sign * MathF.Abs(input["x"].GetValue(i)));
            }

            Assert.IsGreaterThanOrEqualTo(0.99, ModelOutputs.Cosine(model, result.Model, input), $"sign {sign}");
        }
    }

    [TestMethod]
    public void AWeightSharedByBothBranchesIsQuantizedOnceInTheGraphThatDeclaresIt()
    {
        var result = DynamicQuantizer.Apply(ControlFlowModels.Build("If"), Step(QuantizationMode.Dynamic));

        var main = result.Model.Graph;
        var branches = main.Node.Single(n => n.OpType == "If").Attribute.Select(a => a.G).ToArray();
        Assert.IsFalse(main.Initializer.Any(t => t.Name == "shared"), "the float weight is gone once no branch reads it");
        var sharedInt8 = main.Initializer.Single(t => t.Name.StartsWith("shared_quantized", StringComparison.Ordinal));
        Assert.IsTrue(branches.All(b => b.Node.Single(n => n.Name.EndsWith("_hidden", StringComparison.Ordinal)).Input[1] == sharedInt8.Name), "both branches read the one int8 copy");
        var heads = branches.Select(b => b.Node.Single(n => n.Name.EndsWith("_head", StringComparison.Ordinal)).Input[1]).ToArray();
        Assert.AreNotEqual(heads[0], heads[1], "each branch's own 'head' keeps its own values under a name unique in the model");
        var allNames = GraphReferences.WithSubgraphs(main).SelectMany(g => g.Initializer).Select(t => t.Name).ToArray();
        Assert.HasCount(allNames.Distinct().Count(), allNames);
    }

    [TestMethod]
    [DataRow("If")]
    [DataRow("Loop")]
    [DataRow("Scan")]
    public void StaticModeQuantizesSubgraphWeightsDynamicallyAfterTheCalibratedMainGraph(string kind)
    {
        using var temp = new TempDirectory();
        var recipe = RandomDataRecipes.Quantize(temp, ControlFlowModels.Build(kind), ControlFlowModels.SampleLength(kind), ControlFlowModels.Classes);

        var outcome = RandomDataRecipes.Optimize(temp, recipe);

        Assert.IsTrue(outcome.Succeeded, string.Join("\n", outcome.Diagnostics));
        var step = outcome.Report.Steps.Single();
        CollectionAssert.AreEquivalent(SubgraphMatMuls[kind].Prepend("head_fc").ToArray(), step.QuantizedNodes!.ToArray());
        var compressed = OnnxModelFile.Load(new OutputLayout(temp.File("out"), recipe.Id).Model);
        Assert.IsTrue(compressed.Graph.Node.Any(n => n.OpType == "QuantizeLinear"), "the head is static int8");
        Assert.IsTrue(GraphReferences.WithSubgraphs(compressed.Graph).Skip(1).SelectMany(g => g.Node).Any(n => n.OpType == "DynamicQuantizeMatMul"));
        Assert.IsLessThan(0.35, outcome.Report.Measurements.SizeRatio);
        Assert.IsGreaterThanOrEqualTo(0.99, outcome.Report.Measurements.MeanCosineSimilarity!.Value);
    }

    // Int8 in weight-only mode too: int4's error compounds over the Loop's three iterations (cosine 0.987 measured).
    private static QuantizeStep Step(QuantizationMode mode) =>
        new(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypesFor(mode), [], null) { Mode = mode };
}
