using EdgeML.Engine.Data;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Benchmarks;

/// <summary>
/// Models of realistic size for the pruning and quantization numbers, built with fixed seeds (He-initialized
/// weights): residual CNNs in the shape of a small ResNet, a wide MLP and a transformer encoder. No registry ships such models, so the benchmark makes them.
/// </summary>
internal static class SyntheticModels
{
    /// <summary>3×32×32 images → stem, three residual stages (64, 128, 256 channels) → 10 classes; about 1.9M parameters.</summary>
    public static ModelProto ResidualCnn() => ResidualCnn(width: 64, seed: 11);

    /// <summary>The same network 2.5× wider (160, 320, 640 channels): about 12M parameters.</summary>
    public static ModelProto WideResidualCnn() => ResidualCnn(width: 160, seed: 13);

    /// <summary>
    /// A transformer encoder on [N, 64, 384] with the dimensions of MiniLM-L6: 6 layers of attention (Q/K/V/output
    /// projections as MatMul + Add) and a 1,536-wide ReLU FFN, each with a residual Add and LayerNormalization; about
    /// 10.6M parameters. One head (the quantization benchmark's model): Q·Kᵀ over the full width. More heads (MiniLM
    /// has 12 of 32): attention as PyTorch exports it — each projection reshaped to [N, S, H, D] by a constant shape
    /// and transposed to [N, H, S, D] (K straight to [N, H, D, S]), scores scaled by 1/√D, Softmax, ·V, then
    /// transposed and reshaped back to [N, S, H·D] before the output projection.
    /// </summary>
    public static ModelProto TransformerEncoder(int heads = 1)
    {
        const int Width = 384;
        var headSize = Width / heads;
        var graph = new Graph(seed: 14);
        var x = graph.Input("tokens", 64, Width);
        for (var layer = 0; layer < 6; layer++)
        {
            var name = $"layer{layer}";
            var (q, k, v) = (graph.Dense(x, Width, Width, $"{name}.q"), graph.Dense(x, Width, Width, $"{name}.k"), graph.Dense(x, Width, Width, $"{name}.v"));
            (q, k, v) = heads == 1
                ? (q, graph.Node("Transpose", [k], attributes: Nodes.Ints("perm", 0, 2, 1)), v)
                : (graph.SplitHeads(q, heads, headSize, 0, 2, 1, 3), graph.SplitHeads(k, heads, headSize, 0, 2, 3, 1), graph.SplitHeads(v, heads, headSize, 0, 2, 1, 3));
            var scores = graph.Node("MatMul", [q, k]);
            var weights = graph.Node("Softmax", [graph.Node("Mul", [scores, graph.Constant(1f / MathF.Sqrt(headSize))])], attributes: Nodes.Int("axis", -1));
            var context = graph.Node("MatMul", [weights, v]);
            context = heads == 1 ? context : graph.MergeHeads(context, Width);
            var attended = graph.LayerNorm(graph.Node("Add", [x, graph.Dense(context, Width, Width, $"{name}.out")]), Width);
            var hidden = graph.Relu(graph.Dense(attended, Width, 4 * Width, $"{name}.ffn_up"));
            x = graph.LayerNorm(graph.Node("Add", [attended, graph.Dense(hidden, 4 * Width, Width, $"{name}.ffn_down")]), Width);
        }

        graph.Output(x, 64, Width);
        return graph.Model;
    }

    /// <summary>Seeded uniform [0, 1) inputs: calibration and test data for the synthetic models.</summary>
    public static LabeledDataset RandomInputs(int samples, int features, int seed)
    {
        var random = new Random(seed);
        var values = new float[samples * features];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble();
        }

        return new LabeledDataset("random", values, features, labels: null);
    }

    private static ModelProto ResidualCnn(int width, int seed)
    {
        var graph = new Graph(seed);
        var x = graph.Input("image", 3, 32, 32);
        x = graph.Relu(graph.Conv(x, 3, width, stride: 1));
        x = graph.ResidualBlock(x, width);
        x = graph.Relu(graph.Conv(x, width, 2 * width, stride: 2));
        x = graph.ResidualBlock(x, 2 * width);
        x = graph.Relu(graph.Conv(x, 2 * width, 4 * width, stride: 2));
        x = graph.ResidualBlock(x, 4 * width);
        x = graph.Node("GlobalAveragePool", [x]);
        x = graph.Node("Flatten", [x]);
        graph.Output(graph.Gemm(x, 4 * width, 10), 10);
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

        /// <summary>A dense layer as TensorFlow and transformer exports write it: MatMul with a [in, out] weight, then Add.</summary>
        public string Dense(string input, int inFeatures, int outFeatures, string name)
        {
            var weight = Weights($"{name}.weight", [inFeatures, outFeatures], inFeatures);
            return Node("Add", [Node("MatMul", [input, weight], name), Weights($"{name}.bias", [outFeatures], fanIn: 0)]);
        }

        public string LayerNorm(string input, int width)
        {
            var name = $"layernorm{++_counter}";
            var scale = $"{name}.scale";
            Model.Graph.Initializer.Add(Tensors.FromFloats(scale, [width], Enumerable.Repeat(1f, width).ToArray()));
            return Node("LayerNormalization", [input, scale, Weights($"{name}.bias", [width], fanIn: 0)], name, Nodes.Int("axis", -1));
        }

        public string Constant(float value)
        {
            var name = $"constant{++_counter}";
            Model.Graph.Initializer.Add(Tensors.FromFloats(name, [], [value]));
            return name;
        }

        /// <summary>[N, S, H·D] → Reshape by the constant [0, 0, H, D] → Transpose by <paramref name="perm"/>.</summary>
        public string SplitHeads(string input, int heads, int headSize, params long[] perm)
        {
            var shape = $"shape{++_counter}";
            Model.Graph.Initializer.Add(Tensors.FromInt64(shape, [4], [0, 0, heads, headSize]));
            return Node("Transpose", [Node("Reshape", [input, shape])], attributes: Nodes.Ints("perm", perm));
        }

        /// <summary>[N, H, S, D] → Transpose to [N, S, H, D] → Reshape by the constant [0, 0, H·D].</summary>
        public string MergeHeads(string input, int width)
        {
            var shape = $"shape{++_counter}";
            Model.Graph.Initializer.Add(Tensors.FromInt64(shape, [3], [0, 0, width]));
            return Node("Reshape", [Node("Transpose", [input], attributes: Nodes.Ints("perm", 0, 2, 1, 3)), shape]);
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
