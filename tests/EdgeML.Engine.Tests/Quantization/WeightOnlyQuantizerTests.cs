using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Quantization.WeightOnly;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Quantization;

[TestClass]
public sealed class WeightOnlyQuantizerTests
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    [TestMethod]
    public void Int4MlpRunsInOnnxRuntimeFaithfullyAtUnderAFifthOfTheSize()
    {
        var model = Mlp();

        var result = WeightOnlyQuantizer.Apply(model, Step(WeightType.Int4));

        CollectionAssert.AreEqual(new[] { "dense1", "dense2", "dense3", "dense4" }, result.QuantizedNodeNames.ToArray());
        Assert.IsEmpty(result.Skipped);
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, result.Model, 512));
        Assert.IsLessThanOrEqualTo(0.17, result.Model.CalculateSize() / (double)model.CalculateSize());
        Assert.IsFalse(result.Model.Graph.Initializer.Any(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count == 2), "no float weight matrix is left");
    }

    [TestMethod]
    public void Int8BlocksAreNearlyLossless()
    {
        var model = Mlp();

        var result = WeightOnlyQuantizer.Apply(model, Step(WeightType.Int8));

        Assert.IsGreaterThanOrEqualTo(0.999, ModelSimilarity.MeanCosine(model, result.Model, 512));
        Assert.IsTrue(result.Model.Graph.Node.Where(n => n.OpType == "MatMulNBits").All(n => n.GetInt("bits", 0) == 8));
        Assert.IsLessThan(0.3, result.Model.CalculateSize() / (double)model.CalculateSize());
    }

    [TestMethod]
    public void AsymmetricBlocksWithAPartialLastBlockStayFaithful()
    {
        // K = 80 with blocks of 32: three blocks, the last one half padding, and an odd number of packed zero points.
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 80);
        var h = builder.Relu(builder.MatMulAdd(x, 80, 48));
        builder.Output(builder.MatMulAdd(h, 48, 24), 24);
        var model = builder.Build();

        foreach (var weights in new[] { WeightType.Int4, WeightType.Int8 })
        {
            var result = WeightOnlyQuantizer.Apply(model, Step(weights) with { Symmetric = false });

            Assert.AreEqual(4, result.Model.Graph.Node.Single(n => n.Name == "dense1").Input.Count, "asymmetric nodes read zero points");
            Assert.IsGreaterThanOrEqualTo(weights == WeightType.Int4 ? 0.99 : 0.999, ModelSimilarity.MeanCosine(model, result.Model, 80), weights.ToString());
        }
    }

    [TestMethod]
    public void GemmWithTransposedWeightBecomesMatMulNBitsAndAnAdd()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 64);
        builder.Output(builder.Gemm(builder.Relu(builder.Gemm(x, 64, 128, "fc1")), 128, 10, "fc2"), 10);
        var model = builder.Build();

        var result = WeightOnlyQuantizer.Apply(model, Step(WeightType.Int4) with { BlockSize = 64 });

        var graph = result.Model.Graph;
        var fc1 = graph.Node.Single(n => n.Name == "fc1");
        Assert.AreEqual("MatMulNBits", fc1.OpType);
        Assert.AreEqual(MicrosoftOperators.Domain, fc1.Domain);
        Assert.AreEqual(64L, fc1.GetInt("K", 0));
        Assert.AreEqual(128L, fc1.GetInt("N", 0));
        Assert.AreEqual(64L, fc1.GetInt("block_size", 0));
        CollectionAssert.AreEqual(new long[] { 128, 1, 32 }, graph.Initializer.Single(t => t.Name == fc1.Input[1]).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 128 }, graph.Initializer.Single(t => t.Name == fc1.Input[2]).Dims.ToArray());
        Assert.AreEqual(fc1.Output[0], graph.Node.Single(n => n.OpType == "Add" && n.Input.Contains("fc1.bias")).Input[0]);
        Assert.AreEqual(1L, result.Model.OpsetImport.Single(o => o.Domain == MicrosoftOperators.Domain).Version);
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, result.Model, 64));
    }

    [TestMethod]
    public void NodesThatCannotBeRewrittenStayInFloatWithAReason()
    {
        var builder = new TestModelBuilder();
        var image = builder.Input("image", 2, 4, 4);
        var flat = builder.Node("Flatten", [builder.Conv(image, 2, 2, 3, "conv")], "flatten");
        var scaled = builder.Gemm(flat, 32, 32, "scaled", Nodes.Float("alpha", 2f));
        var excluded = builder.MatMulAdd(scaled, 32, 32, "excluded");
        var dynamic = builder.Node("MatMul", [excluded, excluded], "dynamic");
        builder.Output(builder.MatMulAdd(dynamic, 32, 8, "kept"), 8);
        var model = builder.Build();

        var result = WeightOnlyQuantizer.Apply(model, Step(WeightType.Int4) with { ExcludeNodes = ["excluded"] });

        CollectionAssert.AreEqual(new[] { "kept" }, result.QuantizedNodeNames.ToArray());
        var reasons = result.Skipped.ToDictionary(s => s.NodeName, s => s.Reason);
        Assert.AreEqual("excluded by the recipe", reasons["excluded"]);
        StringAssert.Contains(reasons["conv"], "covers MatMul, Gemm, Gather, LSTM and GRU");
        StringAssert.Contains(reasons["scaled"], "alpha=2");
        StringAssert.Contains(reasons["dynamic"], "not a constant");
        using var runner = ModelRunner.Create(result.Model.ToByteArray(), "quantized");
    }

    [TestMethod]
    public void Int4CodesPackTwoPerByteLowNibbleFirst()
    {
        CollectionAssert.AreEqual(new byte[] { 0x21, 0x03, 0x54, 0x06 }, NBitsPacker.Pack([1, 2, 3, 4, 5, 6], rows: 2, bits: 4), "each row is padded to whole bytes");
        CollectionAssert.AreEqual(new byte[] { 7, 200 }, NBitsPacker.Pack([7, 200], rows: 1, bits: 8));
    }

    [TestMethod]
    public void PackedInt4BlocksHoldEachWeightsNearestCodeOfItsBlock()
    {
        const int k = 70, n = 3, blockSize = 32;
        var random = new Random(4);
        var columns = Enumerable.Range(0, k * n).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

        foreach (var symmetric in new[] { true, false })
        {
            var blocks = BlockQuantizer.Quantize(columns, k, n, bits: 4, blockSize, symmetric);
            var packed = NBitsPacker.Pack(blocks.Codes, n, bits: 4);
            var packedZeroPoints = NBitsPacker.Pack(blocks.ZeroPoints, n, bits: 4);

            // The reference reads the bytes the way MatMulNBits does: [N, blocks, block_size / 2], zero points [N, ceil(blocks / 2)].
            var blobSize = blockSize / 2;
            var zeroPointBytes = (blocks.BlockCount + 1) / 2;
            Assert.HasCount(n * blocks.BlockCount * blobSize, packed);
            for (var column = 0; column < n; column++)
            {
                for (var i = 0; i < k; i++)
                {
                    var b = i / blockSize;
                    var within = i % blockSize;
                    var code = Nibble(packed[(((column * blocks.BlockCount) + b) * blobSize) + (within / 2)], within);
                    var zeroPoint = symmetric ? 8 : Nibble(packedZeroPoints[(column * zeroPointBytes) + (b / 2)], b);
                    var scale = blocks.Scales[(column * blocks.BlockCount) + b];
                    var value = columns[(column * k) + i];
                    Assert.AreEqual(BlockQuantizer.Code(value, new QuantizationParameters(scale, zeroPoint), bits: 4, symmetric), code, $"symmetric={symmetric} column {column} k {i}");
                }
            }
        }
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void ClippingSearchNeverReconstructsABlockWorseThanItsFullRange(bool symmetric)
    {
        var random = new Random(5);
        var improved = 0;
        for (var trial = 0; trial < 200; trial++)
        {
            // Gaussian blocks with an occasional outlier: the case clipping is for.
            var block = Enumerable.Range(0, 32).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
            var searched = BlockQuantizer.Parameters(block, bits: 4, symmetric);
            var fullRange = symmetric
                ? new QuantizationParameters(QuantizationMath.SymmetricScale(block, 7), 8)
                : QuantizationMath.Asymmetric(block.Min(), block.Max(), 0, 15);

            var searchedError = SquaredError(block, searched, symmetric);
            var fullRangeError = SquaredError(block, fullRange, symmetric);
            Assert.IsLessThanOrEqualTo(fullRangeError, searchedError);
            improved += searchedError < fullRangeError ? 1 : 0;
        }

        Assert.IsGreaterThan(20, improved, "on Gaussian blocks a narrower range often wins");
    }

    private static double SquaredError(float[] block, QuantizationParameters parameters, bool symmetric) =>
        block.Sum(v => Math.Pow(v - ((BlockQuantizer.Code(v, parameters, 4, symmetric) - parameters.ZeroPoint) * parameters.Scale), 2));

    private static int Nibble(byte packed, int index) => index % 2 == 0 ? packed & 0x0F : packed >> 4;

    /// <summary>An MLP-sized model: four dense layers 512-1024-1024-512 with ReLUs.</summary>
    private static ModelProto Mlp()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 512);
        var h = builder.Relu(builder.MatMulAdd(x, 512, 1024, "dense1"));
        h = builder.Relu(builder.MatMulAdd(h, 1024, 1024, "dense2"));
        h = builder.Relu(builder.MatMulAdd(h, 1024, 512, "dense3"));
        builder.Output(builder.MatMulAdd(h, 512, 512, "dense4"), 512);
        return builder.Build();
    }

    private static QuantizeStep Step(WeightType weights) =>
        new(Here, weights, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null) { Mode = QuantizationMode.WeightOnly };
}
