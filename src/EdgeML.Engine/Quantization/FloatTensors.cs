using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Quantization;

/// <summary>
/// The tensors of a model that hold float values. Operators such as Add, Concat, Gather or Reshape also compute on
/// int64 shapes and indices, which must never be quantized; ONNX Runtime's type inference tells them apart exactly:
/// every node output is exposed without a declared type and the session reports the type it inferred.
/// </summary>
internal static class FloatTensors
{
    public static IReadOnlySet<string> Of(ModelProto model)
    {
        const int Float = (int)TensorProto.Types.DataType.Float;
        var graph = model.Graph;
        var floats = graph.Input.Where(i => i.Type?.TensorType?.ElemType == Float).Select(i => i.Name)
            .Concat(graph.Initializer.Where(t => t.DataType == Float).Select(t => t.Name))
            .ToHashSet(StringComparer.Ordinal);

        var exposed = model.Clone();
        var outputs = exposed.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        exposed.Graph.Output.AddRange(graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0 && outputs.Add(o)).Select(o => new ValueInfoProto { Name = o }));

        // Loading is all it takes: no graph optimization, no run.
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        try
        {
            using var session = new InferenceSession(exposed.ToByteArray(), options);
            floats.UnionWith(session.OutputMetadata.Where(o => o.Value.IsTensor && o.Value.ElementDataType == TensorElementType.Float).Select(o => o.Key));
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelRuntimeFailure, $"ONNX Runtime cannot load the model to quantize: {e.Message}", null, e);
        }

        return floats;
    }
}
