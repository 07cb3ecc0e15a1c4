using EdgeML.Engine.Data;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// The static shapes (batch of one) of a model's tensors, measured by running it once on a zero sample in ONNX
/// Runtime with every node output exposed: exact for any model ONNX Runtime runs, without a shape inferencer of our own.
/// </summary>
internal static class TensorShapes
{
    public static IReadOnlyDictionary<string, long[]> Measure(ModelProto model)
    {
        var graph = model.Graph;
        var shapes = graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.ToArray(), StringComparer.Ordinal);
        var input = graph.Input.Single(i => !shapes.ContainsKey(i.Name));
        shapes[input.Name] = [1, .. input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue)];

        // Outputs declared without a type: ONNX Runtime infers it, whatever the node produces.
        var exposed = model.Clone();
        var outputs = exposed.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var measured = graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0).Distinct().ToArray();
        exposed.Graph.Output.AddRange(measured.Where(outputs.Add).Select(name => new ValueInfoProto { Name = name }));

        using var runner = ModelRunner.Create(exposed.ToByteArray(), "the model to prune");
        var zero = new LabeledDataset("zeros", new float[runner.SampleLength], runner.SampleLength, labels: null);
        runner.RunBatches(zero, measured, batch =>
        {
            for (var i = 0; i < measured.Length; i++)
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
