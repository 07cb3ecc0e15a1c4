using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Quantization;

/// <summary>A rewritten copy of a model, the nodes the rewrite converted, and those it left in float with a reason.</summary>
public sealed record QuantizationResult(ModelProto Model, IReadOnlyList<string> QuantizedNodeNames, IReadOnlyList<SkippedNode> Skipped);
