using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Engine.Tests.Support;

/// <summary>What ONNX Runtime makes of a model after its graph optimizations: shows which kernels really run.</summary>
internal static class OnnxRuntimeGraph
{
    public static IReadOnlyList<string> OptimizedOperators(byte[] model) => OptimizedGraph(model).Node.Select(n => n.OpType).ToArray();

    public static GraphProto OptimizedGraph(byte[] model)
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgeml-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            // Basic + extended levels hold the QDQ fusions; the layout transformations of "all" are machine-specific.
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = path })
            using (new InferenceSession(model, options))
            {
            }

            return OnnxModelFile.Load(path).Graph;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
