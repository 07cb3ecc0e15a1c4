using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;
using DataType = EdgeML.Engine.Onnx.Protobuf.TensorProto.Types.DataType;

namespace EdgeML.Engine.Tests.CodeGen;

/// <summary>Small models, built in code, that cover the shapes of signature the generator must handle.</summary>
internal static class TestModels
{
    public static readonly string[] ClassifierLabels = ["cat", "dog", "bird"];

    /// <summary>Every model, by name, for tests that run on all of them.</summary>
    public static ModelProto ByName(string name) => name switch
    {
        nameof(Classifier) => Classifier(),
        nameof(SoftmaxClassifier) => SoftmaxClassifier(),
        nameof(InitializersAsInputs) => InitializersAsInputs(),
        nameof(TwoInputsTwoOutputs) => TwoInputsTwoOutputs(),
        nameof(AwkwardNames) => AwkwardNames(),
        nameof(DynamicImage) => DynamicImage(),
        nameof(Sequence) => Sequence(),
        nameof(Strings) => Strings(),
        nameof(MixedTypes) => MixedTypes(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such test model"),
    };

    /// <summary>pixels float[N, 4] → Gemm → scores float[N, 3] (logits).</summary>
    public static ModelProto Classifier() => GemmClassifier(softmax: false);

    /// <summary>Like <see cref="Classifier"/>, with a Softmax producing the scores.</summary>
    public static ModelProto SoftmaxClassifier() => GemmClassifier(softmax: true);

    /// <summary>The classifier as an IR 3 model, which lists its initializers among the graph inputs.</summary>
    public static ModelProto InitializersAsInputs()
    {
        var model = Classifier();
        model.IrVersion = 3;
        model.OpsetImport[0].Version = 8;
        model.Graph.Input.Add(Nodes.TensorValueInfo("weight", DataType.Float, [3, 4]));
        model.Graph.Input.Add(Nodes.TensorValueInfo("bias", DataType.Float, [3]));
        return model;
    }

    /// <summary>features float[N, 4] and offsets int64[N, 2] → scaled = features * 2, shifted = offsets + 1.</summary>
    public static ModelProto TwoInputsTwoOutputs()
    {
        var graph = Graph(
            [Nodes.TensorValueInfo("features", DataType.Float, [null, 4]), Nodes.TensorValueInfo("offsets", DataType.Int64, [null, 2])],
            [Nodes.TensorValueInfo("scaled", DataType.Float, [null, 4]), Nodes.TensorValueInfo("shifted", DataType.Int64, [null, 2])],
            Nodes.Create("Mul", ["features", "two"], ["scaled"], "scale"),
            Nodes.Create("Add", ["offsets", "one"], ["shifted"], "shift"));
        graph.Initializer.Add(Tensors.FromFloats("two", [], [2f]));
        graph.Initializer.Add(Tensors.FromInt64("one", [], [1L]));
        return Model(graph);
    }

    /// <summary>
    /// Names that are not C# identifiers, collide once cleaned up, or clash with the generated code's own
    /// names: inputs input.1, class, outputs; outputs Plus214_Output_0 = input.1 + class, input_1 = outputs,
    /// result = class * outputs. All float[N, 4].
    /// </summary>
    public static ModelProto AwkwardNames()
    {
        var graph = Graph(
            [Floats("input.1", null, 4), Floats("class", null, 4), Floats("outputs", null, 4)],
            [Floats("Plus214_Output_0", null, 4), Floats("input_1", null, 4), Floats("result", null, 4)],
            Nodes.Create("Add", ["input.1", "class"], ["Plus214_Output_0"], "Plus214"),
            Nodes.Create("Identity", ["outputs"], ["input_1"], "copy"),
            Nodes.Create("Mul", ["class", "outputs"], ["result"], "product"));
        return Model(graph);
    }

    /// <summary>image float[N, 3, H, W] → Relu → activations: several dynamic dimensions per sample.</summary>
    public static ModelProto DynamicImage()
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 3 });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "H" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "W" });
        ValueInfoProto Image(string name) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } },
        };

        return Model(Graph([Image("image")], [Image("activations")], Nodes.Create("Relu", ["image"], ["activations"], "relu")));
    }

    /// <summary>frames float[N, T, 8] → Relu → features: one dynamic dimension per sample.</summary>
    public static ModelProto Sequence()
    {
        var graph = Graph(
            [Nodes.TensorValueInfo("frames", DataType.Float, [null, null, 8])],
            [Nodes.TensorValueInfo("features", DataType.Float, [null, null, 8])],
            Nodes.Create("Relu", ["frames"], ["features"], "relu"));
        return Model(graph);
    }

    /// <summary>text string[N] → Identity → echo.</summary>
    public static ModelProto Strings()
    {
        var graph = Graph(
            [Nodes.TensorValueInfo("text", DataType.String, [null])],
            [Nodes.TensorValueInfo("echo", DataType.String, [null])],
            Nodes.Create("Identity", ["text"], ["echo"], "echo"));
        return Model(graph);
    }

    /// <summary>half float16[N, 2], flags bool[N, 2], counts int32[N, 1] → same_half, negated = !flags, doubled = counts + counts.</summary>
    public static ModelProto MixedTypes()
    {
        var graph = Graph(
            [
                Nodes.TensorValueInfo("half", DataType.Float16, [null, 2]),
                Nodes.TensorValueInfo("flags", DataType.Bool, [null, 2]),
                Nodes.TensorValueInfo("counts", DataType.Int32, [null, 1]),
            ],
            [
                Nodes.TensorValueInfo("same_half", DataType.Float16, [null, 2]),
                Nodes.TensorValueInfo("negated", DataType.Bool, [null, 2]),
                Nodes.TensorValueInfo("doubled", DataType.Int32, [null, 1]),
            ],
            Nodes.Create("Identity", ["half"], ["same_half"], "copy"),
            Nodes.Create("Not", ["flags"], ["negated"], "negate"),
            Nodes.Create("Add", ["counts", "counts"], ["doubled"], "double"));
        return Model(graph);
    }

    private static ModelProto GemmClassifier(bool softmax)
    {
        var graph = Graph(
            [Floats("pixels", null, 4)],
            [Floats("scores", null, 3)],
            Nodes.Create("Gemm", ["pixels", "weight", "bias"], [softmax ? "logits" : "scores"], "dense", Nodes.Int("transB", 1)));
        if (softmax)
        {
            graph.Node.Add(Nodes.Create("Softmax", ["logits"], ["scores"], "softmax", Nodes.Int("axis", 1)));
        }

        graph.Initializer.Add(Tensors.FromFloats("weight", [3, 4], [0.5f, -1.25f, 2f, 0.1f, -0.3f, 0.8f, -1.5f, 1.1f, 1.7f, 0.2f, 0.4f, -0.9f]));
        graph.Initializer.Add(Tensors.FromFloats("bias", [3], [0.1f, -0.2f, 0.05f]));
        return Model(graph);
    }

    private static ValueInfoProto Floats(string name, params long?[] dims) => Nodes.TensorValueInfo(name, DataType.Float, dims);

    private static GraphProto Graph(IEnumerable<ValueInfoProto> inputs, IEnumerable<ValueInfoProto> outputs, params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        graph.Node.AddRange(nodes);
        return graph;
    }

    private static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "EdgeML.Engine.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        return model;
    }

    public static byte[] Bytes(this ModelProto model) => model.ToByteArray();
}
