using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>Multiply-adds per sample of a model's Conv, ConvTranspose, Gemm and MatMul nodes, from static shapes.</summary>
internal static class MultiplyAddCounter
{
    /// <param name="graph">The graph.</param>
    /// <param name="shapes">Its tensor shapes with a batch of one (<see cref="TensorShapes"/>).</param>
    public static long Count(GraphProto graph, IReadOnlyDictionary<string, long[]> shapes) => graph.Node.Sum(node => Of(node, shapes));

    /// <summary>Multiply-adds per sample of one node; 0 for other operators and unknown shapes.</summary>
    public static long Of(NodeProto node, IReadOnlyDictionary<string, long[]> shapes)
    {
        if (!string.IsNullOrEmpty(node.Domain) || node.Input.Count < 2 || !shapes.TryGetValue(node.Input[0], out var input)
            || !shapes.TryGetValue(node.Input[1], out var weight) || !shapes.TryGetValue(node.Output[0], out var output))
        {
            return 0;
        }

        return node.OpType switch
        {
            // Each output element sums C/group · k… products; a transposed conv scatters each input element instead.
            "Conv" => Tensors.ElementCount(output) * Tensors.ElementCount(weight.Skip(1)),
            "ConvTranspose" => Tensors.ElementCount(input) * Tensors.ElementCount(weight.Skip(1)),
            "Gemm" => Tensors.ElementCount(output) * weight[node.GetInt("transB", 0) != 0 ? 1 : 0],
            "MatMul" => Tensors.ElementCount(output) * (weight.Length >= 2 ? weight[^2] : weight[0]),
            _ => 0,
        };
    }
}
