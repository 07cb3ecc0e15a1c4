using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>One change pruning makes to the graph, along the channels of <see cref="Layout"/>.</summary>
internal abstract record ChannelEdit(ChannelLayout Layout);

/// <summary>Keep only the surviving indices of <see cref="Initializer"/> along <see cref="Axis"/>.</summary>
internal sealed record SliceInitializer(string Initializer, int Axis, ChannelLayout Layout) : ChannelEdit(Layout);

/// <summary>A depthwise convolution's <c>group</c> attribute follows its surviving channels.</summary>
internal sealed record SetGroupCount(NodeProto Node, ChannelLayout Layout) : ChannelEdit(Layout);

/// <summary>
/// Entry <paramref name="Index"/> of a Reshape's constant target shape follows the surviving length of
/// <paramref name="Layout"/>, the layout of the Reshape's output along that axis: the head count of a split into attention heads, or heads × head size where they merge back.
/// </summary>
internal sealed record ResizeReshapeTarget(NodeProto Node, int Index, ChannelLayout Layout) : ChannelEdit(Layout);

/// <summary>
/// A layer whose output channels are pruned: <see cref="Weight"/>'s <see cref="OutputAxis"/> and its bias; the channels
/// lie on <see cref="ActivationAxis"/> of its output.
/// </summary>
internal sealed record ProducerLayer(NodeProto Node, string Weight, int OutputAxis, int Channels, int ActivationAxis);

/// <summary>
/// A Conv/ConvTranspose/Gemm/MatMul whose input features shrink; <see cref="Output"/> is its own output's layout
/// when it is a producer too. Reconstruction refits these.
/// </summary>
internal sealed record ConsumerLayer(NodeProto Node, LayerMatch Match, ChannelLayout Input, ChannelLayout? Output);

/// <summary>
/// Producers that must lose the same channels, and why the group stays whole when it must. Channels split into
/// attention heads are pruned in whole heads of <see cref="HeadSize"/> channels (1: channel by channel).
/// </summary>
internal sealed record CoupledGroup(int Id, IReadOnlyList<ProducerLayer> Producers, int Channels, string? UnprunableReason, int HeadSize);

/// <summary>The analysis' result: coupled groups, every edit pruning them implies, and the layers that read them.</summary>
internal sealed record ChannelDependencies(
    IReadOnlyList<CoupledGroup> Groups,
    IReadOnlyList<ChannelEdit> Edits,
    IReadOnlyList<ConsumerLayer> Consumers,
    IReadOnlySet<string> TrackedTensors);
