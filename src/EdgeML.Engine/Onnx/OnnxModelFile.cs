using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>Reads and writes ONNX model files. Fields this schema does not know survive a round trip.</summary>
public static class OnnxModelFile
{
    /// <summary>Reads a model; a missing, truncated or non-ONNX file is an <see cref="DiagnosticCodes.ModelUnreadable"/> error.</summary>
    public static ModelProto Load(string path, SourceLocation? referencedAt = null)
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

        return Parse(bytes, path, referencedAt);
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
