namespace EdgeML.Engine.Pruning.Structured;

/// <summary>The operators the channel analysis follows a pruned tensor through, besides the weighted layers.</summary>
internal static class ChannelOperators
{
    /// <summary>Element-wise on their first input: every channel of the output is the same channel of the input.</summary>
    public static readonly IReadOnlySet<string> Elementwise = new HashSet<string>(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSwish", "HardSigmoid", "Elu", "Selu", "Softplus", "Identity", "Dropout",
    };

    /// <summary>Pool over the spatial axes of [N, C, ...]: channels pass through one to one.</summary>
    public static readonly IReadOnlySet<string> Pooling = new HashSet<string>(StringComparer.Ordinal)
    {
        "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    };

    /// <summary>Broadcasting arithmetic: couples two pruned tensors, or applies a per-channel constant.</summary>
    public static readonly IReadOnlySet<string> Binary = new HashSet<string>(StringComparer.Ordinal) { "Add", "Sub", "Mul", "Div" };
}
