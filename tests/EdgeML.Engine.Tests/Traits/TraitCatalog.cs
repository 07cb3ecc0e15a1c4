using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using static EdgeML.Engine.Recipes.QuantizationMode;

namespace EdgeML.Engine.Tests.Traits;

/// <summary>
/// Models with the traits of real exports from PyTorch, TensorFlow (tf2onnx), skl2onnx and older toolchains: IR
/// versions 3 to 10 with the opsets they shipped with (8 to 21), weights as graph inputs, in Constant nodes or in
/// external files, BatchNormalization after Conv, dynamic batch and sequence dimensions, and each exporter's idioms.
/// </summary>
internal static class TraitCatalog
{
    private static readonly QuantizationMode[] AllModes = [Static, Dynamic, WeightOnly, Fp16];

    public static readonly IReadOnlyList<TraitModel> All =
    [
        new("ir3-opset8-mlp-initializers-as-inputs", folder => Mlp(folder, "ir3", opset: 8, TraitTransforms.ListInitializersAsInputs), [32], true, AllModes),
        new("ir4-opset9-cnn-upsample", CnnWithUpsample, [3, 8, 8], true, [Static, Dynamic, Fp16]),
        new("ir5-opset10-cnn-maxpool", CnnWithPooling, [3, 8, 8], true, AllModes),
        new("ir6-opset11-mobilenet-clip", MobileNetBlock, [3, 8, 8], true, [Static, Fp16]),
        new("ir7-opset13-tf2onnx-nhwc-constant-weights", Tf2OnnxNhwc, [8, 8, 3], true, AllModes),
        new("ir8-opset17-conv-batchnorm", ConvBatchNorm, [3, 8, 8], true, [Static, Fp16]),
        new("ir8-opset17-pytorch-matmul-add-dynamic-sequence", PyTorchSequence, [7, 32], false, AllModes),
        new("ir9-opset19-skl2onnx-gemm-transb", Skl2Onnx, [32], true, AllModes),
        new("ir10-opset21-mlp", folder => Mlp(folder, "ir10", opset: 21), [32], true, AllModes),
        new("ir7-opset13-external-data", folder => Mlp(folder, "external", opset: 13, model => TraitTransforms.MoveDataToExternalFile(model, folder, "external.weights")), [32], true, AllModes),
    ];

    /// <summary>The PyTorch sequence model: calibration data must declare the sequence length its dimension leaves open.</summary>
    public static TraitModel DynamicSequence => All.Single(t => t.Name.Contains("dynamic-sequence", StringComparison.Ordinal));

    /// <summary>An opset 10 model with an operator whose history the upgrade does not know (ReverseSequence).</summary>
    public static string UnknownOperator(string folder)
    {
        var b = Builder(10, seed: 9);
        var x = b.Input("x", 32);
        b.Graph.Initializer.Add(Tensors.FromInt64("lengths", [4], [32, 32, 32, 32]));
        var reversed = b.Node("ReverseSequence", [b.Gemm(x, 32, 32, "fc1"), "lengths"], "reverse", Nodes.Int("batch_axis", 0), Nodes.Int("time_axis", 1));
        b.Output(b.Gemm(reversed, 32, 4, "fc2"), 4);
        return TraitFiles.Save(b.Build(), folder, "unknown-operator");
    }

    private static TestModelBuilder Builder(long opset, int seed = 1) => new(seed, opset, OpsetUpgrade.OldestIrVersionFor(opset));

    // Gemm → Relu → Dropout → Gemm → Softmax with its pre-13 default axis, as older PyTorch exports write an MLP.
    private static string Mlp(string folder, string name, long opset, Action<ModelProto>? trait = null)
    {
        var b = Builder(opset);
        var x = b.Input("x", 32);
        var hidden = b.Node("Dropout", [b.Relu(b.Gemm(x, 32, 64, "fc1"))], "dropout");
        b.Output(b.Node("Softmax", [b.Gemm(hidden, 64, 10, "fc2")], "softmax"), 10);
        var model = b.Build();
        trait?.Invoke(model);
        return TraitFiles.Save(model, folder, name);
    }

    private static string CnnWithUpsample(string folder)
    {
        var b = Builder(9, seed: 2);
        var image = b.Input("image", 3, 8, 8);
        var upsampled = b.Node("Upsample", [b.Relu(b.Conv(image, 3, 8, 3, "conv1")), b.Initializer("scales", [4], [1f, 1f, 2f, 2f])], "upsample");
        var pooled = b.Node("GlobalAveragePool", [b.Relu(b.Conv(upsampled, 8, 8, 3, "conv2"))], "pool");
        b.Output(b.Node("Softmax", [b.Gemm(b.Node("Flatten", [pooled], "flatten"), 8, 5, "fc")], "softmax"), 5);
        return TraitFiles.Save(b.Build(), folder, "cnn-upsample");
    }

    private static string CnnWithPooling(string folder)
    {
        var b = Builder(10, seed: 3);
        var image = b.Input("image", 3, 8, 8);
        var pooled = b.Node("MaxPool", [b.Relu(b.Conv(image, 3, 8, 3, "conv"))], "pool", Nodes.Ints("kernel_shape", 2, 2), Nodes.Ints("strides", 2, 2));
        b.Output(b.Gemm(b.Node("Flatten", [pooled], "flatten"), 8 * 4 * 4, 10, "fc"), 10);
        return TraitFiles.Save(b.Build(), folder, "cnn-pooling");
    }

    // MobileNet's ReLU6 as Clip with its bounds as inputs (opset 11), around a depthwise convolution.
    private static string MobileNetBlock(string folder)
    {
        var b = Builder(11, seed: 4);
        var image = b.Input("image", 3, 8, 8);
        var zero = b.Initializer("zero", [], [0f]);
        var six = b.Initializer("six", [], [6f]);
        var expanded = b.Node("Clip", [b.Conv(image, 3, 8, 3, "expand"), zero, six], "relu6_1");
        var depthwise = b.Node("Clip", [b.DepthwiseConv(expanded, 8, 3, "depthwise"), zero, six], "relu6_2");
        var pooled = b.Node("GlobalAveragePool", [depthwise], "pool");
        b.Output(b.Gemm(b.Node("Flatten", [pooled], "flatten"), 8, 4, "classifier"), 4);
        return TraitFiles.Save(b.Build(), folder, "mobilenet");
    }

    // tf2onnx: NHWC input transposed to NCHW around the Conv and back, a Reshape, MatMul + Add, weights in Constant nodes.
    private static string Tf2OnnxNhwc(string folder)
    {
        var b = Builder(13, seed: 5);
        var image = b.Input("input_1", 8, 8, 3);
        var nchw = b.Node("Transpose", [image], "conv/transpose_in", Nodes.Ints("perm", 0, 3, 1, 2));
        var nhwc = b.Node("Transpose", [b.Relu(b.Conv(nchw, 3, 8, 3, "conv"))], "conv/transpose_out", Nodes.Ints("perm", 0, 2, 3, 1));
        b.Graph.Initializer.Add(Tensors.FromInt64("flatten/shape", [2], [-1, 8 * 8 * 8]));
        var flat = b.Node("Reshape", [nhwc, "flatten/shape"], "flatten");
        b.Output(b.Node("Softmax", [b.MatMulAdd(flat, 8 * 8 * 8, 10, "dense")], "softmax"), 10);
        var model = b.Build();
        TraitTransforms.MoveWeightsIntoConstants(model);
        return TraitFiles.Save(model, folder, "tf2onnx");
    }

    private static string ConvBatchNorm(string folder)
    {
        var b = Builder(17, seed: 6);
        var image = b.Input("image", 3, 8, 8);
        var first = b.Relu(b.BatchNormalization(b.Conv(image, 3, 8, 3, "conv1"), 8, "bn1"));
        var second = b.Relu(b.BatchNormalization(b.Conv(first, 8, 8, 3, "conv2"), 8, "bn2"));
        var pooled = b.Node("GlobalAveragePool", [second], "pool");
        b.Output(b.Gemm(b.Node("Flatten", [pooled], "flatten"), 8, 6, "fc"), 6);
        return TraitFiles.Save(b.Build(), folder, "conv-bn");
    }

    // PyTorch's Linear on a [batch, sequence, features] tensor: MatMul with the transposed weight, then Add.
    private static string PyTorchSequence(string folder)
    {
        var b = Builder(17, seed: 7);
        b.Graph.Input.Add(Nodes.TensorValueInfo("tokens", TensorProto.Types.DataType.Float, [null, null, 32], "batch"));
        b.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimParam = "sequence";
        var hidden = b.Relu(b.MatMulAdd("tokens", 32, 64, "linear1"));
        var output = b.MatMulAdd(hidden, 64, 32, "linear2");
        b.Graph.Output.Add(Nodes.TensorValueInfo(output, TensorProto.Types.DataType.Float, [null, null, 32], "batch"));
        b.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimParam = "sequence";
        return TraitFiles.Save(b.Build(), folder, "pytorch-sequence");
    }

    // skl2onnx's linear classifier: Gemm with transB=1, Softmax, and an ai.onnx.ml import beside the default domain.
    private static string Skl2Onnx(string folder)
    {
        var b = Builder(19, seed: 8);
        var x = b.Input("float_input", 32);
        b.Output(b.Node("Softmax", [b.Gemm(x, 32, 3, "linear")], "probabilities"), 3);
        var model = b.Build();
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 1 });
        return TraitFiles.Save(model, folder, "skl2onnx");
    }
}
