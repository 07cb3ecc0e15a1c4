using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Tests.Support;

/// <summary>
/// Models with weights inside control flow, each with one float input x [N, …] and a Gemm head in the main graph:
/// MatMuls in If branches, a Loop body and a Scan body, reading initializers of their own and of the main graph.
/// </summary>
internal static class ControlFlowModels
{
    public const int Features = 64;
    public const int Classes = 16;
    public const int ScanSteps = 5;

    /// <summary>Values per sample of each model's input.</summary>
    public static int SampleLength(string kind) => kind == "Scan" ? ScanSteps * Features : Features;

    public static ModelProto Build(string kind) => kind switch
    {
        "If" => If(),
        "Loop" => Loop(),
        "Scan" => Scan(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// If the input sums above 0: both branches read the main graph's <c>shared</c> [F, 2F] weight, then a head of
    /// their own — both named <c>head</c>, with different values.
    /// </summary>
    private static ModelProto If()
    {
        var builder = new TestModelBuilder(seed: 21);
        builder.Input("x", Features);
        builder.Initializer("shared", [Features, 2 * Features], 1f / MathF.Sqrt(Features));
        var total = builder.Node("ReduceSum", ["x"], "total", Nodes.Int("keepdims", 0));
        var positive = builder.Node("Greater", [total, builder.Initializer("zero", [], [0f])], "positive");
        var branches = new[] { "then", "else" }.Select(name =>
        {
            var branch = new TestModelBuilder(seed: name.Length);
            var hidden = branch.Relu(branch.Node("MatMul", ["x", "shared"], $"{name}_hidden"));
            var output = branch.Node("MatMul", [hidden, branch.Initializer("head", [2 * Features, Features], 1f / MathF.Sqrt(2 * Features))], $"{name}_head");
            branch.Graph.Output.Add(new ValueInfoProto { Name = output, Type = RecurrentModels.FloatType() });
            branch.Graph.Name = name;
            return branch.Build().Graph;
        }).ToArray();
        builder.Graph.Node.Add(Nodes.Create("If", [positive], ["chosen"], "branch",
            new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branches[0] },
            new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branches[1] }));
        return Head(builder, "chosen");
    }

    /// <summary>Three Loop iterations of h ← tanh(tanh(h·step) · mix), <c>step</c> from the main graph, <c>mix</c> the body's own.</summary>
    private static ModelProto Loop()
    {
        var builder = new TestModelBuilder(seed: 22);
        builder.Input("x", Features);
        builder.Initializer("step", [Features, Features], 1.5f / MathF.Sqrt(Features));
        builder.Graph.Initializer.Add(Tensors.FromInt64("trips", [], [3]));
        var body = new TestModelBuilder(seed: 23);
        body.Graph.Name = "body";
        body.Graph.Input.Add(new ValueInfoProto { Name = "i", Type = ScalarType(TensorProto.Types.DataType.Int64) });
        body.Graph.Input.Add(new ValueInfoProto { Name = "cond", Type = ScalarType(TensorProto.Types.DataType.Bool) });
        body.Graph.Input.Add(new ValueInfoProto { Name = "h", Type = RecurrentModels.FloatType() });
        var stepped = body.Node("Tanh", [body.Node("MatMul", ["h", "step"], "loop_step")], "loop_tanh1");
        var mixed = body.Node("Tanh", [body.Node("MatMul", [stepped, body.Initializer("mix", [Features, Features], 1.5f / MathF.Sqrt(Features))], "loop_mix")], "loop_tanh2");
        var carried = body.Node("Identity", ["cond"], "loop_cond");
        body.Graph.Output.Add(new ValueInfoProto { Name = carried, Type = ScalarType(TensorProto.Types.DataType.Bool) });
        body.Graph.Output.Add(new ValueInfoProto { Name = mixed, Type = RecurrentModels.FloatType() });
        builder.Graph.Node.Add(Nodes.Create("Loop", ["trips", string.Empty, "x"], ["looped"], "loop",
            new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body.Build().Graph }));
        return Head(builder, "looped");
    }

    /// <summary>A Scan over x [N, 5, F] along axis 1: h ← tanh(x_t·input + h·recurrent), <c>input</c> the body's own, <c>recurrent</c> the main graph's.</summary>
    private static ModelProto Scan()
    {
        var builder = new TestModelBuilder(seed: 24);
        builder.Input("x", ScanSteps, Features);
        builder.Initializer("recurrent", [Features, Features], 1f / MathF.Sqrt(Features));
        var initial = builder.Node("ReduceMean", ["x"], "initial", Nodes.Ints("axes", 1), Nodes.Int("keepdims", 0));
        var body = new TestModelBuilder(seed: 25);
        body.Graph.Name = "body";
        body.Graph.Input.Add(new ValueInfoProto { Name = "h", Type = RecurrentModels.FloatType() });
        body.Graph.Input.Add(new ValueInfoProto { Name = "x_t", Type = RecurrentModels.FloatType() });
        var input = body.Node("MatMul", ["x_t", body.Initializer("input", [Features, Features], 1f / MathF.Sqrt(Features))], "scan_input");
        var recurrent = body.Node("MatMul", ["h", "recurrent"], "scan_recurrent");
        var next = body.Node("Tanh", [body.Node("Add", [input, recurrent], "scan_sum")], "scan_tanh");
        body.Graph.Output.Add(new ValueInfoProto { Name = next, Type = RecurrentModels.FloatType() });
        builder.Graph.Node.Add(Nodes.Create("Scan", [initial, "x"], ["final"], "scan",
            Nodes.Int("num_scan_inputs", 1), Nodes.Ints("scan_input_axes", 1),
            new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body.Build().Graph }));
        return Head(builder, "final");
    }

    private static ModelProto Head(TestModelBuilder builder, string features)
    {
        builder.Output(builder.Gemm(features, Features, Classes, "head_fc"), Classes);
        return builder.Build();
    }

    private static TypeProto ScalarType(TensorProto.Types.DataType type) =>
        new() { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() } };
}
