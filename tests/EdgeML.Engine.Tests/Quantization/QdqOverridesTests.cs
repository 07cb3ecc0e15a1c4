using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;
using static EdgeML.Engine.Tests.Quantization.QdqOperatorRegistryTests;

namespace EdgeML.Engine.Tests.Quantization;

/// <summary>quantize's per-tensor <c>overrides</c>, applied to real models and run in ONNX Runtime.</summary>
[TestClass]
public sealed class QdqOverridesTests
{
    private static readonly SourceLocation At = new("test.edgeml.yaml", 9, 9);

    [TestMethod]
    public void AFixedRangeReplacesCalibration()
    {
        var model = ResidualCnn();

        var step = With(("stem_output", new TensorOverride { Range = new TensorRange(0f, 51f) }));
        var (quantized, plan) = Quantize(model, step);

        CollectionAssert.DoesNotContain(plan.TensorsToCalibrate.ToArray(), "stem_output", "a fixed range needs no calibration");
        Assert.AreEqual(0.2f, Tensors.ToFloats(quantized.Graph.Initializer.Single(t => t.Name == "stem_output_scale"))[0], 1e-6f, "51 / 255");
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 3 * 8 * 8));
    }

    [TestMethod]
    public void ATensorCanTakeAnotherElementType()
    {
        var model = ResidualCnn();

        var (quantized, _) = Quantize(model, With(("stem_output", new TensorOverride { Type = ActivationType.Int8 })));

        Assert.AreEqual((int)TensorProto.Types.DataType.Int8, quantized.Graph.Initializer.Single(t => t.Name == "stem_output_zero_point").DataType);
        Assert.AreEqual((int)TensorProto.Types.DataType.Uint8, quantized.Graph.Initializer.Single(t => t.Name == "image_zero_point").DataType, "the others keep the step's type");
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 3 * 8 * 8));
    }

    [TestMethod]
    public void AFloatTensorKeepsTheNodesThatWouldQuantizeItInFloat()
    {
        var model = ResidualCnn();

        var (quantized, plan) = Quantize(model, With(("residual_relu_output", new TensorOverride { KeepFloat = true })));

        CollectionAssert.AreEquivalent(new[] { "residual", "head" }, plan.Skipped.Select(s => s.NodeName).ToArray());
        Assert.IsTrue(plan.Skipped.All(s => s.Reason == "its tensor 'residual_relu_output' stays float (overrides)"), string.Join("; ", plan.Skipped));
        Assert.IsFalse(quantized.Graph.Node.Any(n => n.OpType == "DequantizeLinear" && n.Output[0] == "residual_relu_output"));
        var operators = OnnxRuntimeGraph.OptimizedOperators(quantized.ToByteArray());
        CollectionAssert.Contains(operators.ToArray(), "Add", "the residual Add really runs in float");
        CollectionAssert.Contains(operators.ToArray(), "Conv", "and so does the convolution that reads its output");
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, quantized, 3 * 8 * 8));
    }

    [TestMethod]
    public void AWeightCanBeQuantizedPerTensorOrPerChannelAgainstTheStep()
    {
        var model = ResidualCnn();

        var (perTensor, _) = Quantize(model, With(("inner.weight", new TensorOverride { PerChannel = false })));
        var (perChannel, _) = Quantize(model, With(("inner.weight", new TensorOverride { PerChannel = true })) with { PerChannel = false });

        Assert.AreEqual(0, perTensor.Graph.Initializer.Single(t => t.Name == "inner.weight_scale").Dims.Count);
        CollectionAssert.AreEqual(new long[] { 8 }, perTensor.Graph.Initializer.Single(t => t.Name == "outer.weight_scale").Dims.ToArray(), "the others follow the step");
        CollectionAssert.AreEqual(new long[] { 8 }, perChannel.Graph.Initializer.Single(t => t.Name == "inner.weight_scale").Dims.ToArray());
        Assert.AreEqual(0, perChannel.Graph.Initializer.Single(t => t.Name == "outer.weight_scale").Dims.Count);
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, perTensor, 3 * 8 * 8));
        Assert.IsGreaterThanOrEqualTo(0.99, ModelSimilarity.MeanCosine(model, perChannel, 3 * 8 * 8));
    }

    [TestMethod]
    public void PerChannelOverridesNeedThePerChannelOpset()
    {
        var step = With(("w", new TensorOverride { PerChannel = true })) with { PerChannel = false };

        Assert.AreEqual(13, QdqQuantizer.RequiredOpset(step));
        Assert.AreEqual(10, QdqQuantizer.RequiredOpset(step with { Overrides = new Dictionary<string, Located<TensorOverride>>() }));
    }

    [TestMethod]
    [DataRow("stem_outptu", "the model does not have; did you mean 'stem_output'?", DisplayName = "unknown tensor")]
    [DataRow("inner.weight", "which is a constant (a weight); only per_channel applies", DisplayName = "range on a weight")]
    public void BadActivationOverridesAreRecipeErrorsAtTheOverride(string tensor, string explanation)
    {
        var step = With((tensor, new TensorOverride { Range = new TensorRange(0f, 1f) }));

        var error = Assert.ThrowsExactly<EdgeMLException>(() => QdqQuantizer.Plan(ResidualCnn(), step));

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Diagnostic.Code);
        Assert.AreEqual(At, error.Diagnostic.Location);
        Assert.Contains(explanation, error.Message);
    }

    [TestMethod]
    public void PerChannelOnAnActivationIsARecipeError()
    {
        var error = Assert.ThrowsExactly<EdgeMLException>(() => QdqQuantizer.Plan(ResidualCnn(), With(("stem_output", new TensorOverride { PerChannel = false }))));

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Diagnostic.Code);
        Assert.AreEqual(At, error.Diagnostic.Location);
        Assert.Contains("which is an activation; per_channel applies to weights", error.Message);
    }

    private static QuantizeStep With(params (string Tensor, TensorOverride Override)[] overrides) => Step() with
    {
        Overrides = overrides.ToDictionary(o => o.Tensor, o => new Located<TensorOverride>(o.Override, At), StringComparer.Ordinal),
    };
}
