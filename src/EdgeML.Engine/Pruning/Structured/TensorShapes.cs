using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// The static shapes (batch of one) of the float tensors pruning reasons about, measured by running the model
/// once on a zero sample in ONNX Runtime: exact for any model ONNX Runtime runs, without a shape inferencer of our own.
/// </summary>
internal static class TensorShapes
{
    public static IReadOnlyDictionary<string, long[]> Measure(ModelProto model)
    {
        var graph = model.Graph;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var initializer in graph.Initializer)
        {
            shapes[initializer.Name] = [.. initializer.Dims];
        }

        // A known operator over a float input yields a float output; only those can be exposed as float outputs.
        var floats = graph.Input.Where(i => i.Type?.TensorType?.ElemType == (int)TensorProto.Types.DataType.Float).Select(i => i.Name)
            .Concat(graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).Select(t => t.Name))
            .ToHashSet(StringComparer.Ordinal);
        var measured = new List<string>();
        foreach (var node in graph.Node.Where(n => string.IsNullOrEmpty(n.Domain) && ChannelOperators.IsKnown(n.OpType)))
        {
            if (node.Input.Count > 0 && floats.Contains(node.Input[0]) && floats.Add(node.Output[0]))
            {
                measured.Add(node.Output[0]);
            }
        }

        using var runner = ModelRunner.Create(MinMaxCalibrator.ExposeTensors(model, measured).ToByteArray(), "the model to prune");
        var zero = new LabeledDataset("zeros", new float[runner.SampleLength], runner.SampleLength, labels: null);
        var input = graph.Input.Single(i => !shapes.ContainsKey(i.Name));
        shapes[input.Name] = [1, .. input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue)];
        runner.RunBatches(zero, measured, batch =>
        {
            for (var i = 0; i < measured.Count; i++)
            {
                var shape = batch.OutputShape(i);
                if (shape.Length > 0)
                {
                    shape[0] = 1;
                }

                shapes[measured[i]] = shape;
            }
        });

        return shapes;
    }
}
