using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// The original and the pruned graph side by side in one model, reading the same input, so one run yields both
/// models' activations for the same samples — what a layer-wise fit needs, without storing either over the data.
/// </summary>
internal static class TwinModel
{
    /// <summary>Prefix of every pruned node, tensor and initializer name in the twin.</summary>
    public const string Prefix = "pruned/";

    public static ModelProto Build(ModelProto original, ModelProto pruned)
    {
        var twin = original.Clone();
        var initializers = pruned.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var shared = pruned.Graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n)).ToHashSet(StringComparer.Ordinal);
        string Rename(string name) => name.Length == 0 || shared.Contains(name) ? name : Prefix + name;

        foreach (var initializer in pruned.Graph.Initializer)
        {
            var copy = initializer.Clone();
            copy.Name = Rename(copy.Name);
            twin.Graph.Initializer.Add(copy);
        }

        foreach (var node in pruned.Graph.Node)
        {
            var copy = node.Clone();
            copy.Name = Prefix + copy.Name;
            for (var i = 0; i < copy.Input.Count; i++)
            {
                copy.Input[i] = Rename(copy.Input[i]);
            }

            for (var i = 0; i < copy.Output.Count; i++)
            {
                copy.Output[i] = Rename(copy.Output[i]);
            }

            twin.Graph.Node.Add(copy);
        }

        return twin;
    }
}
