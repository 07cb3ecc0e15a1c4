using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation;

/// <summary>
/// Drops graph inputs that an initializer backs. IR version 3 required every initializer among the inputs (old
/// PyTorch, CNTK and Caffe2 exports still list them); from IR 4 they are optional overrides no caller of an embedded
/// model uses. Left in place, a rewrite that replaces such a weight would leave an input the compressed model then
/// demands, or declares with the old type. The IR version is raised to 4 where needed, which changes nothing else.
/// </summary>
internal static class InitializerInputs
{
    private const long FirstOptionalInitializerInputs = 4;

    public static IReadOnlyList<string> Apply(ModelProto model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var backed = graph.Input.Where(input => initializers.Contains(input.Name)).ToArray();
        foreach (var input in backed)
        {
            graph.Input.Remove(input);
        }

        if (backed.Length > 0)
        {
            model.IrVersion = Math.Max(model.IrVersion, FirstOptionalInitializerInputs);
        }

        return backed.Select(input => input.Name).ToArray();
    }
}
