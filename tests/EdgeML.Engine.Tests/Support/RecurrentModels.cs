using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Tests.Support;

/// <summary>ONNX LSTM and GRU models as exporters write them, with seeded weights of the usual 1/√H scale.</summary>
internal static class RecurrentModels
{
    public const int InputSize = 16;
    public const int Hidden = 64;

    /// <summary>
    /// X [S, B, I] with dynamic S and B through one LSTM (W [D, 4H, I], R [D, 4H, H], optional B [D, 8H]); with
    /// <paramref name="initialStates"/>, initial_h and initial_c [D, B, H] are inputs too. Outputs Y and Y_h.
    /// </summary>
    public static ModelProto Lstm(string direction, bool bias, bool initialStates) =>
        Recurrent("LSTM", 4, direction, bias, initialStates ? ["initial_h", "initial_c"] : []);

    /// <summary>X [S, B, I] through one GRU (W [D, 3H, I], R [D, 3H, H], B [D, 6H]); outputs Y and Y_h.</summary>
    public static ModelProto Gru(string direction, bool linearBeforeReset) =>
        Recurrent("GRU", 3, direction, bias: true, [], Nodes.Int("linear_before_reset", linearBeforeReset ? 1 : 0));

    public static int Directions(string direction) => direction == "bidirectional" ? 2 : 1;

    /// <summary>Random inputs for a model of this class: X and any initial states.</summary>
    public static IReadOnlyDictionary<string, Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>> Inputs(ModelProto model, int sequence, int batch, int seed)
    {
        var directions = model.Graph.Initializer.Single(t => t.Name == "W").Dims[0];
        return ModelOutputs.NormalInputs(seed, model.Graph.Input.Select(i => (i.Name, i.Name == "X" ? new[] { sequence, batch, InputSize } : [(int)directions, batch, Hidden])).ToArray());
    }

    /// <summary>
    /// A sequence classifier with one float input for the pipeline: x [N, 6, I] → Transpose to [6, N, I] → LSTM → GRU
    /// over the LSTM's hidden states → the GRU's last hidden state → Gemm to 4 classes.
    /// </summary>
    public static ModelProto Classifier()
    {
        var builder = new TestModelBuilder(seed: 5);
        builder.Input("x", 6, InputSize);
        var sequence = builder.Node("Transpose", ["x"], "to_sequence", Nodes.Ints("perm", 1, 0, 2));
        var lstmY = Cell(builder, "LSTM", 4, "forward", sequence, InputSize, bias: true, "lstm");
        builder.Graph.Initializer.Add(Tensors.FromInt64("axis1", [1], [1]));
        builder.Graph.Initializer.Add(Tensors.FromInt64("axis0", [1], [0]));
        // Y [S, 1, N, H] → [S, N, H]
        var squeezed = builder.Node("Squeeze", [lstmY, "axis1"], "squeeze");
        Cell(builder, "GRU", 3, "forward", squeezed, Hidden, bias: true, "gru");
        var last = builder.Node("Squeeze", ["gru_Y_h", "axis0"], "last_state");
        builder.Output(builder.Gemm(last, Hidden, 4, "head"), 4);
        return builder.Build();
    }

    private static ModelProto Recurrent(string opType, int gates, string direction, bool bias, string[] states, params AttributeProto[] extra)
    {
        var builder = new TestModelBuilder(seed: 3);
        builder.Graph.Input.Add(Info("X", "S", "B", InputSize));
        var directions = Directions(direction);
        foreach (var state in states)
        {
            builder.Graph.Input.Add(Info(state, directions, "B", Hidden));
        }

        var scale = 1f / MathF.Sqrt(Hidden);
        var inputs = new List<string> { "X", builder.Initializer("W", [directions, gates * Hidden, InputSize], scale), builder.Initializer("R", [directions, gates * Hidden, Hidden], scale) };
        inputs.Add(bias ? builder.Initializer("B", [directions, 2 * gates * Hidden], scale) : string.Empty);
        if (states.Length > 0)
        {
            inputs.AddRange([string.Empty, .. states]);
        }

        builder.Graph.Node.Add(Nodes.Create(opType, inputs, ["Y", "Y_h"], opType.ToLowerInvariant(),
            [Nodes.Int("hidden_size", Hidden), Nodes.String("direction", direction), .. extra]));
        builder.Graph.Output.Add(new ValueInfoProto { Name = "Y", Type = FloatType() });
        builder.Graph.Output.Add(new ValueInfoProto { Name = "Y_h", Type = FloatType() });
        return builder.Build();
    }

    // One forward cell with weights named after the node; returns Y, and Y_h is "<name>_Y_h".
    private static string Cell(TestModelBuilder builder, string opType, int gates, string direction, string input, int inputSize, bool bias, string name)
    {
        var scale = 1f / MathF.Sqrt(Hidden);
        string[] inputs =
        [
            input,
            builder.Initializer($"{name}.W", [1, gates * Hidden, inputSize], scale),
            builder.Initializer($"{name}.R", [1, gates * Hidden, Hidden], scale),
            bias ? builder.Initializer($"{name}.B", [1, 2 * gates * Hidden], scale) : string.Empty,
        ];
        builder.Graph.Node.Add(Nodes.Create(opType, inputs, [$"{name}_Y", $"{name}_Y_h"], name, Nodes.Int("hidden_size", Hidden), Nodes.String("direction", direction)));
        return $"{name}_Y";
    }

    private static ValueInfoProto Info(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => d is string param ? new TensorShapeProto.Types.Dimension { DimParam = param } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) }));
        var type = FloatType();
        type.TensorType.Shape = shape;
        return new ValueInfoProto { Name = name, Type = type };
    }

    public static TypeProto FloatType() => new() { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } };
}
