using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization.Dynamic;
using EdgeML.Engine.Quantization.WeightOnly;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Tests.Quantization;

/// <summary>Weight-only quantization of Gather lookups into constant embedding tables.</summary>
[TestClass]
public sealed class EmbeddingTableQuantizationTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);
    private static readonly long[] TokenIds = [0, 1, 17, 999, 500, 42, 42, 7];

    [TestMethod]
    [DataRow(WeightType.Int8, true, 3.5, 0.01, DisplayName = "int8 symmetric")]
    [DataRow(WeightType.Int8, false, 3.3, 0.01, DisplayName = "int8 asymmetric")]
    [DataRow(WeightType.Int4, true, 6, 0.15, DisplayName = "int4 symmetric")]
    [DataRow(WeightType.Int4, false, 5, 0.15, DisplayName = "int4 asymmetric")]
    public void EmbeddingTableShrinksAndLookupsStayClose(WeightType weights, bool symmetric, double minShrink, double maxRelativeError)
    {
        var model = EmbeddingModel();
        var tableBytes = model.Graph.Initializer.Single(t => t.Name == "embedding").CalculateSize();

        var result = WeightOnlyQuantizer.Apply(model, Step(weights) with { Symmetric = symmetric });

        CollectionAssert.AreEqual(new[] { "lookup", "project" }, result.QuantizedNodeNames.ToArray());
        var graph = result.Model.Graph;
        Assert.AreEqual("GatherBlockQuantized", graph.Node.Single(n => n.Name == "lookup").OpType);
        Assert.IsFalse(graph.Initializer.Any(t => t.Name == "embedding"), "the float table is gone");
        var quantizedTableBytes = graph.Initializer.Where(t => t.Name.StartsWith("embedding_", StringComparison.Ordinal)).Sum(t => t.CalculateSize());
        Assert.IsGreaterThanOrEqualTo(minShrink, tableBytes / (double)quantizedTableBytes);
        Assert.IsLessThanOrEqualTo(maxRelativeError, RelativeError(Run(model), Run(result.Model)));
    }

    [TestMethod]
    public void DynamicModeStoresTablesAsInt8RowsByDefault()
    {
        var model = EmbeddingModel();
        var step = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypesFor(QuantizationMode.Dynamic), [], null)
        {
            Mode = QuantizationMode.Dynamic,
        };

        var result = DynamicQuantizer.Apply(model, step);

        CollectionAssert.AreEqual(new[] { "lookup", "project" }, result.QuantizedNodeNames.ToArray());
        Assert.AreEqual("GatherBlockQuantized", result.Model.Graph.Node.Single(n => n.Name == "lookup").OpType);
        Assert.AreEqual(8, result.Model.Graph.Node.Single(n => n.Name == "lookup").GetInt("bits", 0));
        Assert.AreEqual(64, result.Model.Graph.Node.Single(n => n.Name == "lookup").GetInt("block_size", 0), "the widest block that divides the 64-value rows");
        Assert.IsFalse(result.Model.Graph.Initializer.Any(t => t.Name == "embedding"), "the float table is gone");
        Assert.IsLessThanOrEqualTo(0.02, RelativeError(Run(model), Run(result.Model)));
    }

    [TestMethod]
    public void LookupsIntoOtherTablesAreLeftOrSkippedWithAReason()
    {
        var model = EmbeddingModel(dim: 48);
        var gatherOnly = Step(WeightType.Int8) with { OpTypes = ["Gather"] };

        var result = WeightOnlyQuantizer.Apply(model, gatherOnly);

        Assert.IsEmpty(result.QuantizedNodeNames);
        StringAssert.Contains(result.Skipped.Single().Reason, "row length 48 is not a multiple of block_size 32");
        Assert.AreEqual("Gather", result.Model.Graph.Node.Single(n => n.Name == "lookup").OpType);
        Assert.IsEmpty(WeightOnlyQuantizer.Apply(EmbeddingModel(), Step(WeightType.Int8) with { OpTypes = ["MatMul"] }).Skipped, "without Gather in ops lookups pass silently");
    }

    /// <summary>token ids [1, 8] (int64) → Gather from a [1000, dim] table → MatMul [dim, 16].</summary>
    private static ModelProto EmbeddingModel(int dim = 64)
    {
        var builder = new TestModelBuilder();
        builder.Graph.Input.Add(Nodes.TensorValueInfo("ids", TensorProto.Types.DataType.Int64, [1, TokenIds.Length]));
        var table = builder.Initializer("embedding", [1000, dim], RandomData.Normal(1000 * dim));
        var embedded = builder.Node("Gather", [table, "ids"], "lookup");
        var projection = builder.Initializer("projection", [dim, 16], MathF.Sqrt(2f / dim));
        var output = builder.Node("MatMul", [embedded, projection], "project");
        builder.Graph.Output.Add(Nodes.TensorValueInfo(output, TensorProto.Types.DataType.Float, [1, TokenIds.Length, 16]));
        return builder.Build();
    }

    private static QuantizeStep Step(WeightType weights) =>
        new(Here, weights, ActivationType.Int8, PerChannel: true, QuantizeStep.WeightOnlyDefaultOpTypes, [], null) { Mode = QuantizationMode.WeightOnly };

    // ModelRunner feeds one float input; token ids are int64, so the session is driven directly.
    private static float[] Run(ModelProto model)
    {
        using var session = new InferenceSession(model.ToByteArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("ids", new DenseTensor<long>(TokenIds, [1, TokenIds.Length]))]);
        return results.Single().AsTensor<float>().ToArray();
    }

    private static double RelativeError(float[] expected, float[] actual)
    {
        var difference = expected.Zip(actual, (e, a) => (double)(e - a) * (e - a)).Sum();
        return Math.Sqrt(difference / expected.Sum(e => (double)e * e));
    }
}
