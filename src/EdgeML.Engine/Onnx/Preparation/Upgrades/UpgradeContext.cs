using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>
/// What an operator adapter may ask of the graph it rewrites, one opset version at a time: constants, declared
/// ranks and element types, whether a tensor is read, fresh names, and new constant inputs.
/// </summary>
internal sealed class UpgradeContext
{
    private readonly GraphIndex _index;
    private readonly Dictionary<string, TypeProto.Types.Tensor> _declared = new(StringComparer.Ordinal);
    private readonly SourceLocation _location;

    public UpgradeContext(GraphProto graph, long targetVersion, SourceLocation location)
    {
        _index = new GraphIndex(graph);
        _location = location;
        TargetVersion = targetVersion;
        foreach (var value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
        {
            if (value.Type?.TensorType is { } tensor)
            {
                _declared.TryAdd(value.Name, tensor);
            }
        }
    }

    /// <summary>The opset the adapted nodes must mean the same in.</summary>
    public long TargetVersion { get; }

    public GraphProto Graph => _index.Graph;

    public string FreshName(string stem) => _index.FreshName(stem);

    /// <summary>The initializer of that name, or null when the tensor is not a constant of this graph.</summary>
    public TensorProto? Constant(string name) => _index.Initializers.GetValueOrDefault(name);

    /// <summary>Adds a constant under a fresh name derived from <paramref name="stem"/> and returns that name.</summary>
    public string AddConstant(string stem, TensorProto tensor)
    {
        tensor.Name = FreshName(stem);
        Graph.Initializer.Add(tensor);
        _index.Initializers[tensor.Name] = tensor;
        return tensor.Name;
    }

    /// <summary>Whether any node, subgraph or graph output reads the tensor.</summary>
    public bool IsRead(string tensor) => tensor.Length > 0 && GraphReferences.AllInputs(Graph).Contains(tensor);

    /// <summary>The tensor's rank where the graph declares it (or a constant, Gemm or Flatten fixes it), else null.</summary>
    public int? RankOf(string tensor) =>
        _declared.TryGetValue(tensor, out var declared) && declared.Shape is { } shape ? shape.Dim.Count
        : Constant(tensor) is { } constant ? constant.Dims.Count
        : _index.Producers.TryGetValue(tensor, out var producer) && producer.IsDefaultDomain() && producer.OpType is "Gemm" or "Flatten" ? 2
        : null;

    /// <summary>The tensor's element type where the graph declares it (or it is a constant), else null.</summary>
    public TensorProto.Types.DataType? ElementTypeOf(string tensor) =>
        _declared.TryGetValue(tensor, out var declared) && declared.ElemType != 0 ? (TensorProto.Types.DataType)declared.ElemType
        : Constant(tensor) is { } constant ? (TensorProto.Types.DataType)constant.DataType
        : null;

    /// <summary>The error for a node this upgrade cannot express in the new opset, naming the node and why.</summary>
    public EdgeMLException Unsupported(NodeProto node, string why) =>
        new(DiagnosticCodes.ModelUnsupported,
            $"{node.OpType} node '{node.DisplayName()}' cannot be raised to opset {TargetVersion}: {why}; re-export the model with opset {TargetVersion} or later", _location);
}
