using System.Numerics.Tensors;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using Google.Protobuf;

namespace EdgeML.Engine.Calibration;

/// <summary>
/// Measures the value range of chosen tensors over calibration data by running the float model once, with
/// those tensors exposed as extra outputs. Only a running min and max per tensor is kept, so memory stays
/// flat however many samples are used.
/// </summary>
public static class MinMaxCalibrator
{
    public static IReadOnlyDictionary<string, TensorRange> Collect(ModelProto model, IReadOnlyList<string> tensors, LabeledDataset data, SourceLocation dataLocation)
    {
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        var graphInputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in tensors.Where(graphInputs.Contains))
        {
            ranges[input] = new TensorRange(TensorPrimitives.Min<float>(data.Features), TensorPrimitives.Max<float>(data.Features));
        }

        var intermediates = tensors.Where(t => !graphInputs.Contains(t)).ToArray();
        if (intermediates.Length == 0)
        {
            return ranges;
        }

        using var runner = ModelRunner.Create(ExposeTensors(model, intermediates).ToByteArray(), "the calibration model");
        runner.EnsureFits(data, dataLocation);
        var running = intermediates.Select(_ => TensorRange.Empty).ToArray();
        runner.RunBatches(data, intermediates, batch =>
        {
            for (var i = 0; i < intermediates.Length; i++)
            {
                var values = batch.Output(i);
                if (!values.IsEmpty)
                {
                    running[i] = running[i].Include(TensorPrimitives.Min(values), TensorPrimitives.Max(values));
                }
            }
        });

        for (var i = 0; i < intermediates.Length; i++)
        {
            ranges[intermediates[i]] = running[i];
        }

        return ranges;
    }

    /// <summary>A copy of <paramref name="model"/> with the given float tensors added as graph outputs.</summary>
    internal static ModelProto ExposeTensors(ModelProto model, IEnumerable<string> tensors)
    {
        var exposed = model.Clone();
        var outputs = exposed.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var tensor in tensors.Where(outputs.Add))
        {
            exposed.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        return exposed;
    }
}
