using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Benchmarks;

/// <summary>
/// Models of realistic size for the pruning numbers, built with fixed seeds (He-initialized weights): a residual
/// CNN in the shape of a small ResNet and a wide MLP. No registry ships such models, so the benchmark makes them.
/// </summary>
internal static class SyntheticModels
{
    /// <summary>3×32×32 images → stem, three residual stages (64, 128, 256 channels) → 10 classes; about 1.9M parameters.</summary>
    public static ModelProto ResidualCnn()
    {
        var graph = new Graph(seed: 11);
        var x = graph.Input("image", 3, 32, 32);
        x = graph.Relu(graph.Conv(x, 3, 64, stride: 1));
        x = graph.ResidualBlock(x, 64);
        x = graph.Relu(graph.Conv(x, 64, 128, stride: 2));
        x = graph.ResidualBlock(x, 128);
        x = graph.Relu(graph.Conv(x, 128, 256, stride: 2));
        x = graph.ResidualBlock(x, 256);
        x = graph.Node("GlobalAveragePool", [x]);
        x = graph.Node("Flatten", [x]);
        graph.Output(graph.Gemm(x, 256, 10), 10);
        return graph.Model;
    }

    /// <summary>784 → 1024 → 1024 → 512 → 10 with ReLUs; about 2.4M parameters.</summary>
    public static ModelProto WideMlp()
    {
        var graph = new Graph(seed: 12);
        var x = graph.Input("features", 784);
        x = graph.Relu(graph.Gemm(x, 784, 1024));
        x = graph.Relu(graph.Gemm(x, 1024, 1024));
        x = graph.Relu(graph.Gemm(x, 1024, 512));
        graph.Output(graph.Gemm(x, 512, 10), 10);
        return graph.Model;
    }

    private sealed class Graph
    {
        private readonly Random _random;
        private int _counter;

        public Graph(int seed)
        {
            _random = new Random(seed);
            Model = new ModelProto { IrVersion = 8, ProducerName = "EdgeML.Benchmarks", Graph = new GraphProto { Name = "synthetic" } };
            Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        }

        public ModelProto Model { get; }

        public string Input(string name, params long[] dims)
        {
            Model.Graph.Input.Add(Nodes.TensorValueInfo(name, TensorProto.Types.DataType.Float, dims.Select(d => (long?)d).Prepend(null)));
            return name;
        }

        public void Output(string tensor, params long[] dims) =>
            Model.Graph.Output.Add(Nodes.TensorValueInfo(tensor, TensorProto.Types.DataType.Float, dims.Select(d => (long?)d).Prepend(null)));

        public string Conv(string input, int inChannels, int outChannels, int stride)
        {
            var name = $"conv{++_counter}";
            var weight = Weights($"{name}.weight", [outChannels, inChannels, 3, 3], inChannels * 9);
            var bias = Weights($"{name}.bias", [outChannels], fanIn: 0);
            return Node("Conv", [input, weight, bias], name, Nodes.Ints("kernel_shape", 3, 3), Nodes.Ints("pads", 1, 1, 1, 1), Nodes.Ints("strides", stride, stride));
        }

        public string Gemm(string input, int inFeatures, int outFeatures)
        {
            var name = $"fc{++_counter}";
            var weight = Weights($"{name}.weight", [outFeatures, inFeatures], inFeatures);
            var bias = Weights($"{name}.bias", [outFeatures], fanIn: 0);
            return Node("Gemm", [input, weight, bias], name, Nodes.Int("transB", 1));
        }

        public string ResidualBlock(string input, int channels)
        {
            var inner = Relu(Conv(input, channels, channels, stride: 1));
            var sum = Node("Add", [Conv(inner, channels, channels, stride: 1), input]);
            return Relu(sum);
        }

        public string Relu(string input) => Node("Relu", [input]);

        public string Node(string opType, string[] inputs, string? name = null, params AttributeProto[] attributes)
        {
            name ??= $"{opType.ToLowerInvariant()}{++_counter}";
            var output = $"{name}_output";
            Model.Graph.Node.Add(Nodes.Create(opType, inputs, [output], name, attributes));
            return output;
        }

        // He initialization keeps activations in range through the depth; biases get a small spread (fanIn 0).
        private string Weights(string name, long[] dims, int fanIn)
        {
            var scale = fanIn > 0 ? MathF.Sqrt(2f / fanIn) : 0.05f;
            var values = new float[Tensors.ElementCount(dims)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)NextGaussian() * scale;
            }

            Model.Graph.Initializer.Add(Tensors.FromFloats(name, dims, values));
            return name;
        }

        private double NextGaussian() =>
            Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
    }
}
