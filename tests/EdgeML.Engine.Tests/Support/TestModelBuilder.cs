using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Support;

/// <summary>
/// Builds small, real ONNX models for tests: layers with seeded random weights, in the shapes exporters
/// produce (Gemm with transB=1 like PyTorch's Linear, Conv with bias, MatMul + Add).
/// </summary>
internal sealed class TestModelBuilder
{
    private readonly ModelProto _model;
    private readonly Random _random;
    private int _counter;

    public TestModelBuilder(int seed = 1, long opset = 17, long irVersion = 8)
    {
        _random = new Random(seed);
        _model = new ModelProto { IrVersion = irVersion, ProducerName = "EdgeML.Engine.Tests", Graph = new GraphProto { Name = "test" } };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public GraphProto Graph => _model.Graph;

    /// <summary>Declares a float graph input; the first dimension is a dynamic batch.</summary>
    public string Input(string name, params long[] featureDims)
    {
        _model.Graph.Input.Add(Nodes.TensorValueInfo(name, TensorProto.Types.DataType.Float, featureDims.Select(d => (long?)d).Prepend(null)));
        return name;
    }

    public void Output(string tensor, params long[] featureDims) =>
        _model.Graph.Output.Add(Nodes.TensorValueInfo(tensor, TensorProto.Types.DataType.Float, featureDims.Select(d => (long?)d).Prepend(null)));

    public string Initializer(string name, long[] dims, float scale = 1f)
    {
        var values = new float[Tensors.ElementCount(dims)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((_random.NextDouble() * 2) - 1) * scale;
        }

        return Initializer(name, dims, values);
    }

    public string Initializer(string name, long[] dims, float[] values)
    {
        _model.Graph.Initializer.Add(Tensors.FromFloats(name, dims, values));
        return name;
    }

    /// <summary>A fully connected layer as PyTorch exports it: Gemm(x, W[out,in], b) with transB=1.</summary>
    public string Gemm(string input, int inFeatures, int outFeatures, string? name = null, params AttributeProto[] extra)
    {
        name ??= Next("fc");
        var weight = Initializer($"{name}.weight", [outFeatures, inFeatures], MathF.Sqrt(2f / inFeatures));
        var bias = Initializer($"{name}.bias", [outFeatures], 0.1f);
        return Node("Gemm", [input, weight, bias], name, [Nodes.Int("transB", 1), .. extra]);
    }

    /// <summary>MatMul with a constant [in, out] weight followed by a bias Add, as TensorFlow exports dense layers.</summary>
    public string MatMulAdd(string input, int inFeatures, int outFeatures, string? name = null)
    {
        name ??= Next("dense");
        var weight = Initializer($"{name}/kernel", [inFeatures, outFeatures], MathF.Sqrt(2f / inFeatures));
        var product = Node("MatMul", [input, weight], name);
        return Node("Add", [product, Initializer($"{name}/bias", [outFeatures], 0.1f)], $"{name}_add");
    }

    public string Conv(string input, int inChannels, int outChannels, int kernel, string? name = null, int padding = 1)
    {
        name ??= Next("conv");
        var weight = Initializer($"{name}.weight", [outChannels, inChannels, kernel, kernel], MathF.Sqrt(2f / (inChannels * kernel * kernel)));
        var bias = Initializer($"{name}.bias", [outChannels], 0.1f);
        return Node("Conv", [input, weight, bias], name, Nodes.Ints("kernel_shape", kernel, kernel), Nodes.Ints("pads", padding, padding, padding, padding));
    }

    /// <summary>A depthwise convolution: one k×k filter per channel (group = channels).</summary>
    public string DepthwiseConv(string input, int channels, int kernel, string? name = null)
    {
        name ??= Next("dwconv");
        var weight = Initializer($"{name}.weight", [channels, 1, kernel, kernel], MathF.Sqrt(2f / (kernel * kernel)));
        var bias = Initializer($"{name}.bias", [channels], 0.1f);
        return Node("Conv", [input, weight, bias], name, Nodes.Ints("kernel_shape", kernel, kernel), Nodes.Ints("pads", 1, 1, 1, 1), Nodes.Int("group", channels));
    }

    /// <summary>BatchNormalization in inference form with random scale, shift, mean and a positive variance.</summary>
    public string BatchNormalization(string input, int channels, string? name = null)
    {
        name ??= Next("bn");
        var scale = Initializer($"{name}.scale", [channels]);
        var shift = Initializer($"{name}.bias", [channels], 0.1f);
        var mean = Initializer($"{name}.mean", [channels], 0.1f);
        var variance = Initializer($"{name}.var", [channels], Enumerable.Range(0, channels).Select(_ => 0.5f + (float)_random.NextDouble()).ToArray());
        return Node("BatchNormalization", [input, scale, shift, mean, variance], name);
    }

    public string Relu(string input) => Node("Relu", [input], Next("relu"));

    public string Node(string opType, string[] inputs, string name, params AttributeProto[] attributes)
    {
        var output = $"{name}_output";
        _model.Graph.Node.Add(Nodes.Create(opType, inputs, [output], name, attributes));
        return output;
    }

    public ModelProto Build() => _model.Clone();

    public byte[] BuildBytes() => _model.ToByteArray();

    private string Next(string stem) => $"{stem}{++_counter}";
}
