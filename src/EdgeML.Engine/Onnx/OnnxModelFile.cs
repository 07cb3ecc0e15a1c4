using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>Reads and writes ONNX model files. Fields this schema does not know survive a round trip.</summary>
public static class OnnxModelFile
{
    /// <summary>
    /// Reads a model, its external tensor data included; a missing, truncated or non-ONNX file is an
    /// <see cref="DiagnosticCodes.ModelUnreadable"/> error, unreadable external data a <see cref="DiagnosticCodes.ModelExternalDataInvalid"/> one.
    /// </summary>
    public static ModelProto Load(string path, SourceLocation? referencedAt = null) => Read(path, referencedAt).Model;

    /// <summary>
    /// Reads a model as <see cref="Load"/> does, with its self-contained bytes (the file's own bytes unless external
    /// data had to be put in) and the external data files it read, which the result depends on as much as on the model.
    /// </summary>
    public static LoadedModel Read(string path, SourceLocation? referencedAt = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnreadable, $"cannot read the model '{path}': {e.Message}", referencedAt ?? new SourceLocation(path));
        }

        var model = Parse(bytes, path, referencedAt);
        var dataFiles = ExternalTensorData.Inline(model, path, referencedAt);
        return new LoadedModel(model, dataFiles.Count == 0 ? bytes : model.ToByteArray(), dataFiles);
    }

    /// <summary>Parses model bytes; <paramref name="displayPath"/> names the model in errors.</summary>
    public static ModelProto Parse(byte[] bytes, string displayPath, SourceLocation? referencedAt = null)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnreadable, $"'{displayPath}' is not a valid ONNX model: {e.Message}", referencedAt ?? new SourceLocation(displayPath));
        }

        // Protobuf accepts almost any byte soup as "a message with unknown fields"; a real model has a graph.
        if (model.Graph is null || model.IrVersion <= 0 || model.OpsetImport.Count == 0)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnreadable, $"'{displayPath}' is not a valid ONNX model: it has no graph, IR version or opset", referencedAt ?? new SourceLocation(displayPath));
        }

        return model;
    }

    /// <summary>Writes a model atomically: readers see the old file or the complete new one, never a part.</summary>
    public static void Save(ModelProto model, string path) => AtomicFile.WriteAllBytes(path, model.ToByteArray());
}

/// <summary>A model read from its file: the parsed model, its self-contained bytes, and the external data files it read.</summary>
public sealed record LoadedModel(ModelProto Model, byte[] Bytes, IReadOnlyList<string> ExternalDataFiles);
