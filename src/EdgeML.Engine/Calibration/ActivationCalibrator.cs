using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;
using Google.Protobuf;

namespace EdgeML.Engine.Calibration;

/// <summary>
/// Measures the range of chosen tensors over calibration data by running the float model once, with those
/// tensors exposed as extra outputs, and feeding each batch to one <see cref="IRangeCollector"/> per tensor.
/// Collectors keep bounded state, so memory stays flat however many samples are used.
/// </summary>
public static class ActivationCalibrator
{
    /// <param name="model">The float model.</param>
    /// <param name="tensors">Graph inputs and intermediate tensors to measure.</param>
    /// <param name="data">Calibration samples.</param>
    /// <param name="dataLocation">Where the recipe names the data, for errors.</param>
    /// <param name="newCollector">Makes the collector of one tensor (<see cref="RangeCollectors.For"/>); min-max when null.</param>
    public static IReadOnlyDictionary<string, TensorRange> Collect(ModelProto model, IReadOnlyList<string> tensors, LabeledDataset data, SourceLocation dataLocation,
        Func<IRangeCollector>? newCollector = null)
    {
        newCollector ??= RangeCollectors.For(CalibrationMethod.MinMax);
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        var graphInputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in tensors.Where(graphInputs.Contains))
        {
            var collector = newCollector();
            collector.Add((data.Inputs.FirstOrDefault(d => d.Name == input) ?? data.Inputs.Single()).Values);
            ranges[input] = collector.Range();
        }

        var intermediates = tensors.Where(t => !graphInputs.Contains(t)).ToArray();
        if (intermediates.Length == 0)
        {
            return ranges;
        }

        var collectors = intermediates.Select(_ => newCollector()).ToArray();
        RunExposing(model, intermediates, data, dataLocation, "the calibration model", batch =>
        {
            for (var i = 0; i < intermediates.Length; i++)
            {
                collectors[i].Add(batch.Output(i));
            }
        });

        for (var i = 0; i < intermediates.Length; i++)
        {
            ranges[intermediates[i]] = collectors[i].Range();
        }

        return ranges;
    }

    /// <summary>
    /// Runs <paramref name="model"/> over <paramref name="data"/> with <paramref name="tensors"/> exposed as its outputs,
    /// in that order, handing each batch to <paramref name="onBatch"/>; the data is checked against the model first when
    /// the recipe names it (<paramref name="dataLocation"/>).
    /// </summary>
    internal static void RunExposing(ModelProto model, IReadOnlyList<string> tensors, LabeledDataset data, SourceLocation? dataLocation, string displayName, Action<BatchOutputs> onBatch)
    {
        using var runner = ModelRunner.Create(ExposeTensors(model, tensors).ToByteArray(), displayName);
        if (dataLocation is { } location)
        {
            runner.EnsureFits(data, location);
        }

        runner.RunBatches(data, tensors, onBatch);
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
