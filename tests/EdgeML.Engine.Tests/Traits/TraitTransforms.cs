using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Tests.Traits;

/// <summary>
/// Rewrites a built model into the form a particular exporter writes, without changing what it computes: weights
/// listed among the graph inputs (IR version 3), held in Constant nodes (tf2onnx), or kept in an external data file
/// (large PyTorch exports).
/// </summary>
internal static class TraitTransforms
{
    /// <summary>Lists every initializer among the graph inputs, as IR version 3 requires.</summary>
    public static void ListInitializersAsInputs(ModelProto model)
    {
        foreach (var tensor in model.Graph.Initializer)
        {
            model.Graph.Input.Add(Nodes.TensorValueInfo(tensor.Name, (TensorProto.Types.DataType)tensor.DataType, tensor.Dims.Select(d => (long?)d)));
        }
    }

    /// <summary>Turns every initializer into a Constant node at the start of the graph.</summary>
    public static void MoveWeightsIntoConstants(ModelProto model)
    {
        var constants = model.Graph.Initializer.Select(tensor => Nodes.Create("Constant", [], [tensor.Name], $"{tensor.Name}_constant",
            new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor.Clone() })).ToArray();
        model.Graph.Initializer.Clear();
        for (var i = 0; i < constants.Length; i++)
        {
            model.Graph.Node.Insert(i, constants[i]);
        }
    }

    /// <summary>
    /// Moves the data of every initializer of at least <paramref name="minimumBytes"/> into <paramref name="fileName"/>
    /// in <paramref name="folder"/>, one after another, each entry naming its location, offset and length.
    /// </summary>
    public static void MoveDataToExternalFile(ModelProto model, string folder, string fileName, int minimumBytes = 64)
    {
        using var file = File.Create(Path.Combine(folder, fileName));
        foreach (var tensor in model.Graph.Initializer.Where(t => t.RawData.Length >= minimumBytes))
        {
            var offset = file.Position;
            tensor.RawData.WriteTo(file);
            SetExternal(tensor, fileName, offset, tensor.RawData.Length);
        }
    }

    /// <summary>Points the tensor at external data, dropping its own.</summary>
    public static void SetExternal(TensorProto tensor, string location, long offset, long length)
    {
        tensor.ClearRawData();
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Clear();
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }
}
