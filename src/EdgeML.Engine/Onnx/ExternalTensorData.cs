using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>
/// Tensors whose data lives in files beside the model (<c>data_location = EXTERNAL</c>, with <c>location</c>,
/// <c>offset</c> and <c>length</c> entries relative to the model's folder), as large PyTorch and ONNX exports write
/// them. Loading puts the data into the model, so that the compressed model embedded in an assembly is self-contained.
/// </summary>
public static class ExternalTensorData
{
    /// <summary>
    /// Moves every external tensor's data (initializers, Constant values and sparse initializers, subgraphs included)
    /// into the model and returns the files read, as full paths. A missing file, a location outside the model's
    /// folder or an offset/length beyond the file's end is a <see cref="DiagnosticCodes.ModelExternalDataInvalid"/> error.
    /// </summary>
    public static IReadOnlyList<string> Inline(ModelProto model, string modelPath, SourceLocation? referencedAt = null)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var where = referencedAt ?? new SourceLocation(modelPath);
        var files = new List<string>();
        foreach (var tensor in TensorsIn(model.Graph).Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
        {
            var (file, offset, length) = Describe(tensor, folder, modelPath, where);
            tensor.RawData = ByteString.CopyFrom(Read(file, offset, length));
            tensor.ExternalData.Clear();
            tensor.ClearDataLocation();
            if (!files.Contains(file, StringComparer.Ordinal))
            {
                files.Add(file);
            }
        }

        return files;
    }

    private static (string File, long Offset, long? Length) Describe(TensorProto tensor, string folder, string modelPath, SourceLocation where)
    {
        string? Entry(string key) => tensor.ExternalData.FirstOrDefault(e => e.Key == key)?.Value;
        EdgeMLException Invalid(string why) =>
            new(DiagnosticCodes.ModelExternalDataInvalid, $"tensor '{tensor.Name}' of '{modelPath}' keeps its data in an external file, but {why}", where);

        var location = Entry("location");
        if (string.IsNullOrEmpty(location))
        {
            throw Invalid("names no 'location'");
        }

        // The location is relative to the model's folder and must stay inside it: a model is no licence to read other files.
        var file = Path.GetFullPath(Path.Combine(folder, location));
        if (Path.IsPathRooted(location) || !file.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw Invalid($"its location '{location}' points outside the model's folder");
        }

        if (!File.Exists(file))
        {
            throw Invalid($"its file '{location}' does not exist beside the model");
        }

        var size = new FileInfo(file).Length;
        var offset = Number(Entry("offset"), "offset") ?? 0;
        var length = Number(Entry("length"), "length");
        if (offset > size || (length is { } bytes && bytes > size - offset))
        {
            throw Invalid($"offset {offset} and length {length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(to the end)"} reach beyond the end of '{location}' ({size} bytes)");
        }

        return (file, offset, length);

        long? Number(string? text, string key) =>
            text is null ? null
            : long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
            : throw Invalid($"its {key} '{text}' is not a byte count");
    }

    private static byte[] Read(string file, long offset, long? length)
    {
        using var stream = File.OpenRead(file);
        stream.Position = offset;
        var bytes = new byte[checked((int)(length ?? (stream.Length - offset)))];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static IEnumerable<TensorProto> TensorsIn(GraphProto graph) =>
        graph.Initializer
            .Concat(graph.SparseInitializer.SelectMany(s => new[] { s.Values, s.Indices }).OfType<TensorProto>())
            .Concat(graph.Node.SelectMany(node => node.Attribute).SelectMany(a => a.Tensors.Prepend(a.T).OfType<TensorProto>()))
            .Concat(graph.Node.SelectMany(node => node.Attribute).SelectMany(a => a.Graphs.Prepend(a.G).OfType<GraphProto>()).SelectMany(TensorsIn));
}
