using System.Numerics.Tensors;
using EdgeML.Engine.Calibration;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Quantization.WeightOnly;

/// <summary>
/// XᵀX of one layer input over calibration data (rows are the input's positions, columns its K features): the
/// Hessian of the layer's squared output error, which <see cref="GptqQuantizer"/> needs. Only the lower triangle is
/// accumulated; memory is K², however much data is used.
/// </summary>
public sealed class InputCovariance
{
    // A token sequence or feature map contributes at most this many positions per sample: enough rows for a
    // well-conditioned K×K matrix without paying for every position of long inputs.
    private const int PositionsPerSample = 32;

    private readonly double[][] _lower;

    private InputCovariance(int features)
    {
        Features = features;
        _lower = Enumerable.Range(0, features).Select(i => new double[i + 1]).ToArray();
    }

    public int Features { get; }

    public long Rows { get; private set; }

    /// <summary>The full symmetric matrix, as a fresh copy the caller may change.</summary>
    public double[][] ToMatrix()
    {
        var matrix = Enumerable.Range(0, Features).Select(_ => new double[Features]).ToArray();
        for (var i = 0; i < Features; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                matrix[i][j] = matrix[j][i] = _lower[i][j];
            }
        }

        return matrix;
    }

    /// <summary>One float run over <paramref name="data"/> with every input in <paramref name="features"/> (tensor → K) exposed.</summary>
    public static IReadOnlyDictionary<string, InputCovariance> Collect(ModelProto model, IReadOnlyDictionary<string, int> features, LabeledDataset data, SourceLocation dataLocation)
    {
        var tensors = features.Keys.ToArray();
        var covariances = tensors.ToDictionary(t => t, t => new InputCovariance(features[t]), StringComparer.Ordinal);
        if (tensors.Length == 0)
        {
            return covariances;
        }

        ActivationCalibrator.RunExposing(model, tensors, data, dataLocation, "the covariance model", batch =>
        {
            for (var t = 0; t < tensors.Length; t++)
            {
                covariances[tensors[t]].Add(batch.Output(t), batch.Count);
            }
        });
        return covariances;
    }

    // Rows of K values, positionsPerSample of them per sample, evenly spaced when there are more.
    private void Add(ReadOnlySpan<float> values, int samples)
    {
        var rowsPerSample = values.Length / Features / samples;
        var taken = Math.Min(rowsPerSample, PositionsPerSample);
        var columns = new float[Features][];
        for (var i = 0; i < Features; i++)
        {
            columns[i] = new float[samples * taken];
        }

        for (var s = 0; s < samples; s++)
        {
            for (var p = 0; p < taken; p++)
            {
                var row = values.Slice(((s * rowsPerSample) + (p * rowsPerSample / taken)) * Features, Features);
                for (var i = 0; i < Features; i++)
                {
                    columns[i][(s * taken) + p] = row[i];
                }
            }
        }

        for (var i = 0; i < Features; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                _lower[i][j] += TensorPrimitives.Dot(columns[i], columns[j]);
            }
        }

        Rows += samples * taken;
    }
}
