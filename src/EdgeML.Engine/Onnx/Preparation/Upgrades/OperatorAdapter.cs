using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>
/// Rewrites one node whose operator changed meaning at <see cref="UpgradeContext.TargetVersion"/> into nodes that
/// compute the same in that version (in the spirit of the ONNX version converter's adapters). Returns the nodes
/// that take its place, in order; most adapters change the node itself and return it alone.
/// </summary>
internal delegate IReadOnlyList<NodeProto> OperatorAdapter(NodeProto node, UpgradeContext context);
