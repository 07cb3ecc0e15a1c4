using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// Turns one batch of a layer's input (from the pruned model) and output (from the original model) into least-squares
/// rows, stored feature by feature: each row is what one output position's dot product reads.
/// </summary>
internal sealed class LayerSamples
{
    // Spatial positions per sample that a convolution contributes: bounds the cost on large feature maps.
    private const int PositionsPerSample = 32;

    // A fixed seed keeps the chosen positions, and so the refitted weights, repeatable.
    private const int Seed = 17;

    private readonly NodeProto _node;
    private readonly int[] _keptOutputs;
    private readonly long[] _kernel;
    private readonly Random _random;

    /// <param name="node">The layer.</param>
    /// <param name="weightDims">Its pruned weight's dimensions ([M, C, kh, kw] for a convolution).</param>
    /// <param name="keptOutputs">The original output channels the pruned layer still produces.</param>
    public LayerSamples(NodeProto node, long[] weightDims, int[] keptOutputs)
    {
        _node = node;
        _keptOutputs = keptOutputs;
        _kernel = weightDims;
        _random = new Random(Seed);
    }

    public static bool IsConvolution(NodeProto node) => node.OpType == "Conv";

    /// <summary>Whether the layer's geometry is one the row extraction handles.</summary>
    public static bool Supports(NodeProto node, long[] weightDims) =>
        !IsConvolution(node) || (weightDims.Length == 4 && node.Attribute.All(a => a.Name != "auto_pad" || a.S.ToStringUtf8() is "NOTSET" or ""));

    public (float[] X, float[] Y, int Rows) Rows(ReadOnlySpan<float> input, long[] inputShape, ReadOnlySpan<float> output, long[] outputShape, int samples) =>
        IsConvolution(_node) ? ConvolutionRows(input, inputShape, output, outputShape, samples) : DenseRows(input, inputShape, output, outputShape);

    // Gemm/MatMul: every vector along the last axis is one row.
    private (float[] X, float[] Y, int Rows) DenseRows(ReadOnlySpan<float> input, long[] inputShape, ReadOnlySpan<float> output, long[] outputShape)
    {
        var features = (int)inputShape[^1];
        var outputs = (int)outputShape[^1];
        var rows = input.Length / features;
        var x = new float[features * rows];
        var y = new float[_keptOutputs.Length * rows];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < features; i++)
            {
                x[(i * rows) + r] = input[(r * features) + i];
            }

            for (var m = 0; m < _keptOutputs.Length; m++)
            {
                y[(m * rows) + r] = output[(r * outputs) + _keptOutputs[m]];
            }
        }

        return (x, y, rows);
    }

    // Conv: im2col of a sample of output positions; features ordered like the weight's [C, kh, kw].
    private (float[] X, float[] Y, int Rows) ConvolutionRows(ReadOnlySpan<float> input, long[] inputShape, ReadOnlySpan<float> output, long[] outputShape, int samples)
    {
        var (channels, height, width) = ((int)inputShape[1], (int)inputShape[2], (int)inputShape[3]);
        var (outputs, outHeight, outWidth) = ((int)outputShape[1], (int)outputShape[2], (int)outputShape[3]);
        var (kh, kw) = ((int)_kernel[2], (int)_kernel[3]);
        var strides = Ints("strides", 1);
        var dilations = Ints("dilations", 1);
        var pads = _node.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints.Select(p => (int)p).ToArray() ?? [0, 0, 0, 0];
        var positions = Math.Min(PositionsPerSample, outHeight * outWidth);
        var rows = samples * positions;
        var features = channels * kh * kw;
        var x = new float[features * rows];
        var y = new float[_keptOutputs.Length * rows];
        for (var s = 0; s < samples; s++)
        {
            var chosen = positions == outHeight * outWidth
                ? Enumerable.Range(0, positions).ToArray()
                : _random.GetItems(Enumerable.Range(0, outHeight * outWidth).ToArray(), positions);
            for (var p = 0; p < positions; p++)
            {
                var r = (s * positions) + p;
                var (oh, ow) = Math.DivRem(chosen[p], outWidth);
                for (var c = 0; c < channels; c++)
                {
                    for (var i = 0; i < kh; i++)
                    {
                        var ih = (oh * strides[0]) - pads[0] + (i * dilations[0]);
                        for (var j = 0; j < kw; j++)
                        {
                            var iw = (ow * strides[1]) - pads[1] + (j * dilations[1]);
                            var inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
                            x[((((c * kh) + i) * kw) + j) * rows + r] = inside ? input[(((s * channels) + c) * height + ih) * width + iw] : 0f;
                        }
                    }
                }

                for (var m = 0; m < _keptOutputs.Length; m++)
                {
                    y[(m * rows) + r] = output[((((s * outputs) + _keptOutputs[m]) * outHeight) + oh) * outWidth + ow];
                }
            }
        }

        return (x, y, rows);
    }

    private int[] Ints(string name, int fallback) =>
        _node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.Select(v => (int)v).ToArray() ?? [fallback, fallback];
}
