using System.Text.Json.Serialization;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation;

/// <summary>
/// Rewrites exported graphs into the canonical form the compression steps expect, without changing what the
/// model computes: graph inputs that merely list an initializer (IR version 3 exports) are dropped, weights held in
/// <c>Constant</c> nodes become initializers (as TensorFlow and some PyTorch exports emit them), and a
/// BatchNormalization right after a Conv is folded into the Conv's weights and bias.
/// </summary>
public static class GraphPreparation
{
    /// <summary>A prepared copy of <paramref name="model"/>, and what was changed.</summary>
    public static (ModelProto Model, PreparationReport Report) Prepare(ModelProto model)
    {
        var prepared = model.Clone();
        var inputs = InitializerInputs.Apply(prepared);
        var constants = ConstantsToInitializers.Apply(prepared.Graph);
        var folded = BatchNormalizationFolding.Apply(prepared.Graph);
        return (prepared, new PreparationReport(constants, folded) { InitializerInputsRemoved = inputs });
    }
}

/// <summary>What <see cref="GraphPreparation"/> changed: Constant nodes turned into initializers, BatchNormalizations folded into Convs.</summary>
public sealed record PreparationReport(IReadOnlyList<string> ConstantsMadeInitializers, IReadOnlyList<string> FoldedBatchNormalizations)
{
    /// <summary>Graph inputs dropped because an initializer backs them (IR version 3 exports list every weight as an input).</summary>
    public IReadOnlyList<string> InitializerInputsRemoved { get; init; } = [];

    /// <summary>Whether preparation changed anything.</summary>
    [JsonIgnore]
    public bool ChangedAnything => ConstantsMadeInitializers.Count + FoldedBatchNormalizations.Count + InitializerInputsRemoved.Count > 0;
}
