using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Pruning;

/// <summary>The size target on the sample's real MNIST model: 50% pruning + int8, stored with Brotli.</summary>
[TestClass]
public sealed class DigitsStorageSizeTests
{
    private static readonly SourceLocation Here = new("digits.edgeml.yaml", 3, 5);

    [TestMethod]
    public void HalfPrunedInt8DigitsModelEmbedsInUnderAFifthOfTheFloatSize()
    {
        var original = File.ReadAllBytes(SampleModels.DigitsModel);
        var step = new PruneStep(Here, new Located<double>(0.5, Here), PruningScope.Layer, new Dictionary<string, Located<double>>(), PruneStep.DefaultOpTypes, []);
        var (pruned, _) = MagnitudePruner.Apply(ModelProto.Parser.ParseFrom(original), step);
        var quantize = new QuantizeStep(Here, WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null);
        var plan = QdqQuantizer.Plan(pruned, quantize);
        var calibration = CsvDatasetReader.Read(SampleModels.DigitsData, ValidationSpec.DefaultLabelColumn, labelRequired: false, null, null, Here).Sample(CalibrationSpec.DefaultSamples, seed: 0);
        var quantized = QdqQuantizer.Apply(pruned, plan, MinMaxCalibrator.Collect(pruned, plan.TensorsToCalibrate, calibration, Here), quantize);

        var embedded = ModelStorageCodec.Encode(quantized.ToByteArray(), ModelStorage.Brotli).Length;

        // Measured 0.145 (136,848 of 941,192 bytes); the issue asks for at most 0.18.
        Assert.IsLessThanOrEqualTo(0.18, embedded / (double)original.Length);
    }
}
