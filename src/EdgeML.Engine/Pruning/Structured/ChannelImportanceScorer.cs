using System.Numerics.Tensors;
using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>How much each channel of a coupled group matters, summed over the group's producers: higher is kept.</summary>
internal static class ChannelImportanceScorer
{
    /// <summary>The L1 or L2 norm of each channel's weights.</summary>
    public static double[] WeightNorms(CoupledGroup group, IReadOnlyDictionary<string, TensorProto> initializers, ChannelImportance importance)
    {
        var scores = new double[group.Channels];
        foreach (var producer in group.Producers)
        {
            var weight = initializers[producer.Weight];
            var values = Tensors.ToFloats(weight);
            var (outer, inner) = AroundAxis(weight.Dims, producer.OutputAxis);
            var norms = new double[group.Channels];
            for (var o = 0; o < outer; o++)
            {
                for (var c = 0; c < group.Channels; c++)
                {
                    var slice = values.AsSpan((int)(((o * group.Channels) + c) * inner), (int)inner);
                    norms[c] += importance == ChannelImportance.L1 ? TensorPrimitives.SumOfMagnitudes(slice) : TensorPrimitives.SumOfSquares(slice);
                }
            }

            for (var c = 0; c < scores.Length; c++)
            {
                scores[c] += importance == ChannelImportance.L1 ? norms[c] : Math.Sqrt(norms[c]);
            }
        }

        return scores;
    }

    /// <summary>
    /// The mean absolute value of each channel of the groups' producer outputs over <paramref name="data"/>, from
    /// running sums over batches, so memory stays flat.
    /// </summary>
    public static IReadOnlyDictionary<int, double[]> MeanActivations(ModelProto model, IReadOnlyList<CoupledGroup> groups, IReadOnlyDictionary<string, long[]> shapes, LabeledDataset data)
    {
        var outputs = groups.SelectMany(g => g.Producers.Select(p => (Group: g, Tensor: p.Node.Output[0], Axis: p.ActivationAxis))).ToArray();
        if (outputs.Length == 0)
        {
            return new Dictionary<int, double[]>();
        }

        var sums = outputs.Select(o => new double[o.Group.Channels]).ToArray();
        var counts = new long[outputs.Length];
        ActivationCalibrator.RunExposing(model, outputs.Select(o => o.Tensor).ToArray(), data, dataLocation: null, "the model to prune", batch =>
        {
            for (var i = 0; i < outputs.Length; i++)
            {
                var channels = outputs[i].Group.Channels;
                var (_, inner) = AroundAxis(shapes[outputs[i].Tensor], outputs[i].Axis);
                var values = batch.Output(i);
                var blocks = values.Length / (int)inner;
                for (var b = 0; b < blocks; b++)
                {
                    sums[i][b % channels] += TensorPrimitives.SumOfMagnitudes(values.Slice(b * (int)inner, (int)inner));
                }

                counts[i] += values.Length / channels;
            }
        });

        var scores = groups.ToDictionary(g => g.Id, g => new double[g.Channels]);
        for (var i = 0; i < outputs.Length; i++)
        {
            var score = scores[outputs[i].Group.Id];
            for (var c = 0; c < score.Length; c++)
            {
                score[c] += sums[i][c] / Math.Max(counts[i], 1);
            }
        }

        return scores;
    }

    private static (long Outer, long Inner) AroundAxis(IEnumerable<long> dims, int axis) =>
        (Tensors.ElementCount(dims.Take(axis)), Tensors.ElementCount(dims.Skip(axis + 1)));
}
