using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization.Dynamic;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Tests.Quantization;

[TestClass]
public sealed class DynamicQuantizerTests
{
    private const int Width = 128;
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    [TestMethod]
    public void TransformerBlockRunsFaithfullyOnAnySequenceLengthAtAQuarterOfTheSize()
    {
        var model = EncoderBlock();

        var result = DynamicQuantizer.Apply(model, Step());

        CollectionAssert.AreEquivalent(new[] { "q", "k", "v", "scores", "context", "out", "ffn1", "ffn2" }, result.QuantizedNodeNames.ToArray());
        Assert.IsEmpty(result.Skipped);
        Assert.IsLessThanOrEqualTo(0.27, result.Model.CalculateSize() / (double)model.CalculateSize());
        Assert.IsFalse(result.Model.Graph.Initializer.Any(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count == 2), "no float weight matrix is left");
        foreach (var (batch, sequence) in new[] { (2, 7), (3, 16), (1, 1) })
        {
            Assert.IsGreaterThanOrEqualTo(0.99, Cosine(Run(model, batch, sequence), Run(result.Model, batch, sequence)), $"[{batch}, {sequence}, {Width}]");
        }
    }

    [TestMethod]
    public void OnnxRuntimeRunsTheTransformerBlockInIntegerKernels()
    {
        var result = DynamicQuantizer.Apply(EncoderBlock(), Step());

        var operators = OnnxRuntimeGraph.OptimizedOperators(result.Model.ToByteArray());

        // ONNX Runtime folds the quantization of A, MatMulInteger, Cast and Mul of the attention MatMuls into the same kernel.
        var all = string.Join(", ", operators);
        Assert.AreEqual(8, operators.Count(o => o == "DynamicQuantizeMatMul"), all);
        Assert.AreEqual(2, operators.Count(o => o == "DynamicQuantizeLinear"), "K and V are quantized for Q·Kᵀ and attention·V: " + all);
        Assert.IsFalse(operators.Any(o => o is "MatMul" or "MatMulInteger" or "Cast"), all);
    }

    [TestMethod]
    public void GemmMlpWithTransposedWeightsAndBiasesRunsFaithfully()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 256);
        var h = builder.Relu(builder.Gemm(x, 256, 512, "fc1"));
        builder.Output(builder.Gemm(h, 512, 10, "fc2"), 10);
        var model = builder.Build();

        foreach (var perChannel in new[] { true, false })
        {
            var result = DynamicQuantizer.Apply(model, Step() with { PerChannel = perChannel });

            var fc1 = result.Model.Graph.Node.Single(n => n.Name == "fc1");
            Assert.AreEqual(("DynamicQuantizeMatMul", MicrosoftOperators.Domain, "fc1.bias"), (fc1.OpType, fc1.Domain, fc1.Input[4]));
            var weight = result.Model.Graph.Initializer.Single(t => t.Name == fc1.Input[1]);
            Assert.AreEqual((int)TensorProto.Types.DataType.Int8, weight.DataType);
            CollectionAssert.AreEqual(new long[] { 256, 512 }, weight.Dims.ToArray(), "B is [K, N]");
            CollectionAssert.AreEqual(perChannel ? new long[] { 512 } : [], result.Model.Graph.Initializer.Single(t => t.Name == fc1.Input[2]).Dims.ToArray());
            Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, result.Model, 256), $"per_channel={perChannel}");
        }
    }

    [TestMethod]
    public void NodesThatCannotBeRewrittenStayInFloatWithAReason()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 2, 4, 4);
        var flat = builder.Node("Flatten", [builder.Conv(image, 2, 2, 3, "conv")], "flatten");
        var scaled = builder.Gemm(flat, 32, 32, "scaled", Nodes.Float("alpha", 2f));
        var excluded = builder.MatMulAdd(scaled, 32, 32, "excluded");
        var constant = builder.Node("MatMul", [builder.Initializer("table", [4, 32]), builder.Initializer("projection", [32, 32])], "constant");
        var shifted = builder.Node("Add", [excluded, constant], "shift");
        builder.Output(builder.MatMulAdd(shifted, 32, 8, "kept"), 8);
        var model = builder.Build();

        var result = DynamicQuantizer.Apply(model, Step() with { ExcludeNodes = ["excluded"] });

        CollectionAssert.AreEqual(new[] { "kept" }, result.QuantizedNodeNames.ToArray());
        var reasons = result.Skipped.ToDictionary(s => s.NodeName, s => s.Reason);
        Assert.AreEqual("excluded by the recipe", reasons["excluded"]);
        StringAssert.Contains(reasons["conv"], "covers MatMul, Gemm, LSTM and GRU");
        StringAssert.Contains(reasons["scaled"], "alpha=2");
        StringAssert.Contains(reasons["constant"], "first input is a constant");
        using var runner = ModelRunner.Create(result.Model.ToByteArray(), "quantized");
    }

    /// <summary>
    /// A single-head transformer encoder block on [N, S, D] with dynamic N and S: Q/K/V projections (MatMul + Add),
    /// Q·Kᵀ, Softmax, attention·V, output projection, residual Add and LayerNormalization, then a ReLU FFN.
    /// </summary>
    private static ModelProto EncoderBlock()
    {
        var builder = new TestModelBuilder(opset: 17);
        builder.Graph.Input.Add(Sequence("x"));
        var q = builder.MatMulAdd("x", Width, Width, "q");
        var k = builder.MatMulAdd("x", Width, Width, "k");
        var v = builder.MatMulAdd("x", Width, Width, "v");
        var keys = builder.Node("Transpose", [k], "k_transposed", Nodes.Ints("perm", 0, 2, 1));
        var scores = builder.Node("MatMul", [q, keys], "scores");
        var scaled = builder.Node("Mul", [scores, builder.Initializer("inverse_sqrt_d", [], [1f / MathF.Sqrt(Width)])], "scale");
        var weights = builder.Node("Softmax", [scaled], "softmax", Nodes.Int("axis", -1));
        var context = builder.Node("MatMul", [weights, v], "context");
        var attended = builder.Node("Add", ["x", builder.MatMulAdd(context, Width, Width, "out")], "residual1");
        var normalized = LayerNorm(builder, attended, "ln1");
        var hidden = builder.Relu(builder.MatMulAdd(normalized, Width, 4 * Width, "ffn1"));
        var fed = builder.Node("Add", [normalized, builder.MatMulAdd(hidden, 4 * Width, Width, "ffn2")], "residual2");
        builder.Graph.Output.Add(Sequence(LayerNorm(builder, fed, "ln2")));
        return builder.Build();
    }

    private static string LayerNorm(TestModelBuilder builder, string input, string name) =>
        builder.Node("LayerNormalization", [input, builder.Initializer($"{name}.scale", [Width], Enumerable.Repeat(1f, Width).ToArray()), builder.Initializer($"{name}.bias", [Width], 0.1f)], name, Nodes.Int("axis", -1));

    private static ValueInfoProto Sequence(string name)
    {
        var info = Nodes.TensorValueInfo(name, TensorProto.Types.DataType.Float, [null, null, Width]);
        info.Type.TensorType.Shape.Dim[1].DimParam = "S";
        return info;
    }

    private static float[] Run(ModelProto model, int batch, int sequence)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var input = new DenseTensor<float>(RandomData.Normal(batch * sequence * Width, seed: batch + sequence), [batch, sequence, Width]);
        using var outputs = session.Run([NamedOnnxValue.CreateFromTensor("x", input)]);
        return outputs.Single().AsEnumerable<float>().ToArray();
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            aa += a[i] * (double)a[i];
            bb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(aa * bb);
    }

    private static QuantizeStep Step() =>
        new(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null) { Mode = QuantizationMode.Dynamic };
}
