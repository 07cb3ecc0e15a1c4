using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning.Structured;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using static EdgeML.Engine.Tests.Pruning.Structured.ChannelPrunerTests;

namespace EdgeML.Engine.Tests.Pruning.Structured;

/// <summary>
/// Head-by-head pruning of a transformer encoder layer built the way PyTorch exports multi-head attention, run in
/// ONNX Runtime before and after.
/// </summary>
[TestClass]
public sealed class MultiHeadAttentionPruningTests
{
    private const int Tokens = 8;
    private const int Heads = 4;
    private const int HeadSize = 8;
    private const int Width = Heads * HeadSize;
    private const int Features = Tokens * Width;

    // The FFN's hidden neurons would be pruned too; skipping them isolates the heads.
    private static readonly PruneChannelsStep HeadsOnly = Step(0.5) with { SkipNodes = ["ffn_up"] };

    [TestMethod]
    public void DeadHeadsAreTheOnesRemovedAndTheOutputsStayTheSame()
    {
        var model = Encoder((builder, projection) => Int64Constant(builder, $"{projection}_split.shape", 0, 0, Heads, HeadSize));
        KillHeads(model, 1, 3);

        var (pruned, report) = ChannelPruner.Apply(model, HeadsOnly, null);

        var attention = report.Groups.Single(g => g.HeadSize is not null);
        CollectionAssert.AreEquivalent(new[] { "q", "k", "v" }, attention.Producers.ToArray(), "heads couple the three projections");
        Assert.AreEqual((8, 4, 2), (attention.HeadSize, attention.HeadsBefore, attention.HeadsAfter));
        CollectionAssert.AreEqual(Columns(Initializer(model, "v/kernel"), [.. HeadChannels(0), .. HeadChannels(2)]), Tensors.ToFloats(Initializer(pruned, "v/kernel")));
        CollectionAssert.AreEqual(new long[] { 16, Width }, Initializer(pruned, "out/kernel").Dims.ToArray(), "the output projection reads the surviving heads");
        foreach (var projection in new[] { "q", "k", "v" })
        {
            CollectionAssert.AreEqual(new long[] { 0, 0, 2, HeadSize }, Tensors.ToInt64s(Initializer(pruned, $"{projection}_split.shape")));
        }

        CollectionAssert.AreEqual(new long[] { 0, 0, 16 }, Tensors.ToInt64s(Initializer(pruned, "merge.shape")));
        CollectionAssert.AreEqual(Tensors.ToFloats(Initializer(model, "scale")), Tensors.ToFloats(Initializer(pruned, "scale")), "the scale depends on the head size, which stays");

        // Projections 4·S·W·W, Q·Kᵀ and attention·V S·S·D per head, FFN 2·S·W·4W; then Q/K/V/out at half the width, half the heads.
        Assert.AreEqual(102_400L, report.MultiplyAddsBefore);
        Assert.AreEqual(83_968L, report.MultiplyAddsAfter);
        var (before, after) = Compare(model, pruned, RandomData.Uniform(40, Features, seed: 9, min: -1));
        Assert.IsGreaterThanOrEqualTo(0.999, after.MeanCosineSimilarityWith(before));
        Assert.IsLessThan(1e-4f, after.MaxAbsoluteDifferenceWith(before));
    }

    [TestMethod]
    public void TheWeakestHeadsGoAtTheRatioRoundedDownThroughASharedShapeConstant()
    {
        // One Constant node holds [-1, S, H, D] for all three splits, as graph optimizers leave it; preparation
        // turns it into an initializer, as the build does before any step.
        string? shared = null;
        var built = Encoder((builder, _) => shared ??= builder.Node("Constant", [], "heads_shape", new AttributeProto
        {
            Name = "value",
            Type = AttributeProto.Types.AttributeType.Tensor,
            T = Tensors.FromInt64(string.Empty, [4], [-1, Tokens, Heads, HeadSize]),
        }));
        var (model, _) = GraphPreparation.Prepare(built);
        ScaleHead(model, 1, 0.01f);

        var (pruned, report) = ChannelPruner.Apply(model, HeadsOnly with { Ratio = new(0.3, HeadsOnly.Location) }, null);
        var (single, singleReport) = ChannelPruner.Apply(model, HeadsOnly with { Ratio = new(0.99, HeadsOnly.Location) }, null);

        Assert.AreEqual(3, report.Groups.Single(g => g.HeadSize is not null).HeadsAfter, "4 × 0.3 rounds down to one head removed");
        Assert.AreEqual(1, singleReport.Groups.Single(g => g.HeadSize is not null).HeadsAfter, "at least one head stays");
        CollectionAssert.AreEqual(Columns(Initializer(model, "q/kernel"), [.. HeadChannels(0), .. HeadChannels(2), .. HeadChannels(3)]), Tensors.ToFloats(Initializer(pruned, "q/kernel")));
        var targets = pruned.Graph.Node.Where(n => n.Name.EndsWith("_split", StringComparison.Ordinal)).Select(n => n.Input[1]).Distinct().ToArray();
        Assert.HasCount(1, targets, "the three splits still share one shape");
        CollectionAssert.AreEqual(new long[] { -1, Tokens, 3, HeadSize }, Tensors.ToInt64s(Initializer(pruned, targets[0])));
        Assert.IsFalse(pruned.Graph.Initializer.Any(t => t.Name == shared), "the old shape is gone");
        var data = RandomData.Uniform(40, Features, seed: 10, min: -1);
        var (before, after) = Compare(model, pruned, data);
        Assert.IsGreaterThanOrEqualTo(0.999, after.MeanCosineSimilarityWith(before));
        Assert.HasCount(before.Outputs.Length, Compare(model, single, data).After.Outputs, "one head left still runs");
    }

    [TestMethod]
    public void ReconstructionRefitsTheOutputProjectionAfterHeadPruning()
    {
        // Random weights: every head matters, so removing half of them really changes the outputs.
        var model = Encoder((builder, projection) => Int64Constant(builder, $"{projection}_split.shape", 0, 0, Heads, HeadSize), seed: 3);
        var calibration = RandomData.Uniform(256, Features, seed: 5, min: -1);
        var test = RandomData.Uniform(100, Features, seed: 6, min: -1);

        var (plain, _) = ChannelPruner.Apply(model, HeadsOnly, null);
        var (refitted, report) = ChannelPruner.Apply(model, HeadsOnly with { Reconstruct = true }, calibration);

        var output = report.Reconstructions.Single(r => r.Node == "out");
        Assert.IsLessThan(output.MeanSquaredErrorBefore, output.MeanSquaredErrorAfter);
        var (original, pruned) = Compare(model, plain, test);
        var (_, reconstructed) = Compare(model, refitted, test);
        var (plainCosine, refittedCosine) = (pruned.MeanCosineSimilarityWith(original), reconstructed.MeanCosineSimilarityWith(original));
        // The residual stream carries most of the output, so the cosine distance is what the refit visibly shrinks.
        Assert.IsLessThan(0.75 * (1 - plainCosine), 1 - refittedCosine, $"cosine {plainCosine:F4} → {refittedCosine:F4}");
        Assert.IsLessThan(pruned.MaxAbsoluteDifferenceWith(original), reconstructed.MaxAbsoluteDifferenceWith(original));
    }

    [TestMethod]
    public void HeadsSplitByAShapeComputedAtRunTimeStayWholeWithAReason()
    {
        // Hugging Face style: Shape → Slice → Concat with [H, D]. Q and K read the shape of their own projection,
        // V the shape of the layer's input.
        var model = Encoder((builder, projection) =>
        {
            var source = projection == "v" ? "x" : $"{projection}_add_output";
            var shape = builder.Node("Shape", [source], $"{projection}_shape");
            var prefix = builder.Node("Slice", [shape, Int64Constant(builder, $"{projection}_starts", 0), Int64Constant(builder, $"{projection}_ends", 2)], $"{projection}_prefix");
            return builder.Node("Concat", [prefix, Int64Constant(builder, $"{projection}_heads", Heads, HeadSize)], $"{projection}_target", Nodes.Int("axis", 0));
        });

        var (pruned, report) = ChannelPruner.Apply(model, HeadsOnly, null);

        StringAssert.Contains(report.LeftWhole.Single(g => g.Producers.Contains("q")).Reason, "'q_shape' (Shape)");
        StringAssert.Contains(report.LeftWhole.Single(g => g.Producers.Contains("v")).Reason, "'v_split' (Reshape) takes its shape from 'v_target_output', computed at run time");
        Assert.IsFalse(report.Groups.Any(g => g.HeadSize is not null));
        CollectionAssert.AreEqual(Initializer(model, "out/kernel").Dims.ToArray(), Initializer(pruned, "out/kernel").Dims.ToArray());
        var (before, after) = Compare(model, pruned, RandomData.Uniform(10, Features, seed: 2, min: -1));
        Assert.IsLessThan(1e-5f, after.MaxAbsoluteDifferenceWith(before));
    }

    /// <summary>
    /// x [N, S, W] → Q, K, V projections (MatMul + Add) → Reshape to [N, S, H, D] → Transpose to [N, H, S, D] (K
    /// straight to [N, H, D, S]) → Q·Kᵀ ÷ √D → Softmax → ·V → Transpose and Reshape back to [N, S, W] → output
    /// projection → residual Add → LayerNormalization → ReLU FFN (W → 4W → W) → residual Add → LayerNormalization.
    /// </summary>
    private static ModelProto Encoder(Func<TestModelBuilder, string, string> splitTarget, int seed = 1)
    {
        var builder = new TestModelBuilder(seed);
        var x = builder.Input("x", Tokens, Width);
        string Split(string projection, params long[] perm)
        {
            var dense = builder.MatMulAdd(x, Width, Width, projection);
            var heads = builder.Node("Reshape", [dense, splitTarget(builder, projection)], $"{projection}_split");
            return builder.Node("Transpose", [heads], $"{projection}_heads", Nodes.Ints("perm", perm));
        }

        var (q, k, v) = (Split("q", 0, 2, 1, 3), Split("k", 0, 2, 3, 1), Split("v", 0, 2, 1, 3));
        var scale = builder.Initializer("scale", [], [1f / MathF.Sqrt(HeadSize)]);
        var scores = builder.Node("Mul", [builder.Node("MatMul", [q, k], "scores"), scale], "scaled");
        var weights = builder.Node("Softmax", [scores], "softmax", Nodes.Int("axis", -1));
        var context = builder.Node("Transpose", [builder.Node("MatMul", [weights, v], "context")], "context_t", Nodes.Ints("perm", 0, 2, 1, 3));
        var merged = builder.Node("Reshape", [context, Int64Constant(builder, "merge.shape", 0, 0, Width)], "merge");
        var attended = LayerNorm(builder, builder.Node("Add", [x, builder.MatMulAdd(merged, Width, Width, "out")], "residual1"), "ln1");
        var hidden = builder.Relu(builder.MatMulAdd(attended, Width, 4 * Width, "ffn_up"));
        var output = LayerNorm(builder, builder.Node("Add", [attended, builder.MatMulAdd(hidden, 4 * Width, Width, "ffn_down")], "residual2"), "ln2");
        builder.Output(output, Tokens, Width);
        return builder.Build();
    }

    private static string LayerNorm(TestModelBuilder builder, string input, string name) =>
        builder.Node("LayerNormalization", [input, builder.Initializer($"{name}.scale", [Width]), builder.Initializer($"{name}.bias", [Width], 0.1f)], name, Nodes.Int("axis", -1));

    private static string Int64Constant(TestModelBuilder builder, string name, params long[] values)
    {
        builder.Graph.Initializer.Add(Tensors.FromInt64(name, [values.Length], values));
        return name;
    }

    private static int[] HeadChannels(int head) => Enumerable.Range(head * HeadSize, HeadSize).ToArray();

    // A head whose Q, K and V weights and biases are zero contributes exactly nothing: its context is zero.
    private static void KillHeads(ModelProto model, params int[] heads)
    {
        var channels = heads.SelectMany(HeadChannels).ToArray();
        foreach (var projection in new[] { "q", "k", "v" })
        {
            Zero(model, $"{projection}/kernel", 1, channels);
            Zero(model, $"{projection}/bias", 0, channels);
        }
    }

    private static void ScaleHead(ModelProto model, int head, float factor)
    {
        foreach (var name in new[] { "q", "k", "v" }.SelectMany(p => new[] { $"{p}/kernel", $"{p}/bias" }))
        {
            var tensor = Initializer(model, name);
            var values = Tensors.ToFloats(tensor);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] *= HeadChannels(head).Contains(i % Width) ? factor : 1f;
            }

            model.Graph.Initializer[model.Graph.Initializer.IndexOf(tensor)] = Tensors.FromFloats(name, [.. tensor.Dims], values);
        }
    }

    // The given columns of a [rows, Width] matrix, row by row.
    private static float[] Columns(TensorProto matrix, int[] columns) =>
        Tensors.ToFloats(matrix).Chunk(Width).SelectMany(row => columns.Select(c => row[c])).ToArray();
}
