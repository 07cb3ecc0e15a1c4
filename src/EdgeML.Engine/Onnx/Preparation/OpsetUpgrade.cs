using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Preparation.Upgrades;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation;

/// <summary>
/// Raises a model's default-domain opset when a compression form needs a newer one (per-channel DequantizeLinear
/// needs 13), one version at a time: at each version, every node whose operator changed meaning there is rewritten
/// by that operator's adapter in <see cref="OperatorHistory"/> (Softmax's axis, Squeeze's axes becoming an input,
/// Upsample becoming Resize, …), subgraphs included. An operator the history does not know, or a node an adapter
/// cannot carry over, is an error that names it — never a silently different model.
/// </summary>
public static class OpsetUpgrade
{
    /// <summary>The oldest opset this upgrade starts from (ONNX 1.3, IR version 3).</summary>
    public const long OldestUpgradable = 8;

    /// <summary>The newest opset this upgrade raises to.</summary>
    public const long Newest = 21;

    /// <summary>
    /// The model itself when its opset is already <paramref name="required"/> or later; else a copy importing
    /// <paramref name="required"/>, with its IR version raised as far as that opset needs. Throws
    /// <see cref="DiagnosticCodes.ModelUnsupported"/> at <paramref name="location"/> when the graph cannot be raised safely.
    /// </summary>
    public static ModelProto ToAtLeast(ModelProto model, long required, SourceLocation location)
    {
        var opset = model.DefaultOpset();
        if (opset >= required)
        {
            return model;
        }

        if (opset < OldestUpgradable || required > Newest)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported,
                $"the model uses opset {opset} and this step needs opset {required} or later, but only opsets {OldestUpgradable} to {Newest} can be raised automatically; re-export the model with opset {required} or later",
                location);
        }

        var unknown = NodesIn(model.Graph).Where(node => node.IsDefaultDomain() && !OperatorHistory.Knows(node))
            .GroupBy(node => node.OpType, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
        {
            var named = string.Join(", ", unknown.Select(g => $"{g.Key} (node '{g.First().DisplayName()}')"));
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported,
                $"the model uses opset {opset} and this step needs opset {required} or later, but the upgrade does not know how the {(unknown.Length == 1 ? "operator" : "operators")} {named} changed since then; re-export the model with opset {required} or later",
                location);
        }

        var upgraded = model.Clone();
        for (var version = opset + 1; version <= required; version++)
        {
            Upgrade(upgraded.Graph, version, location);
        }

        foreach (var import in upgraded.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx"))
        {
            import.Version = required;
        }

        upgraded.IrVersion = Math.Max(upgraded.IrVersion, OldestIrVersionFor(required));
        return upgraded;
    }

    /// <summary>The IR version each opset first shipped with (ONNX's release table): a model may not import an opset its IR version predates.</summary>
    public static long OldestIrVersionFor(long opset) => opset switch
    {
        <= 8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    // Rewrites, in this graph and its subgraphs, the nodes whose operator changed at `version`.
    private static void Upgrade(GraphProto graph, long version, SourceLocation location)
    {
        foreach (var subgraph in graph.Node.SelectMany(Subgraphs))
        {
            Upgrade(subgraph, version, location);
        }

        if (!graph.Node.Any(node => node.IsDefaultDomain() && OperatorHistory.AdapterAt(node, version) is not null))
        {
            return;
        }

        var context = new UpgradeContext(graph, version, location);
        var nodes = graph.Node.SelectMany(node => node.IsDefaultDomain() && OperatorHistory.AdapterAt(node, version) is { } adapter ? adapter(node, context) : [node]).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
    }

    private static IEnumerable<NodeProto> NodesIn(GraphProto graph) =>
        graph.Node.SelectMany(node => Subgraphs(node).SelectMany(NodesIn).Prepend(node));

    private static IEnumerable<GraphProto> Subgraphs(NodeProto node) =>
        node.Attribute.SelectMany(a => a.Graphs.Prepend(a.G).OfType<GraphProto>());
}
