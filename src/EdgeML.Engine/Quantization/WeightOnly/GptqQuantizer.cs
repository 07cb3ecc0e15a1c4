using System.Numerics.Tensors;

namespace EdgeML.Engine.Quantization.WeightOnly;

/// <summary>
/// GPTQ (Frantar et al., 2022): block-wise weight quantization that minimises the layer's output error on calibration
/// data, ‖X·W − X·Q‖², instead of each weight's own rounding error. Input features are quantized one at a time; the
/// rounding error of feature i is pushed onto the features not yet quantized, weighted by the inverse Hessian
/// H⁻¹ = (XᵀX)⁻¹, so correlated inputs compensate each other. A block's scale and zero point are chosen when its
/// first feature is reached, from the weights as the earlier updates left them. Same codes, scales and layout as
/// <see cref="BlockQuantizer"/>: the result is a plain MatMulNBits weight.
/// </summary>
internal static class GptqQuantizer
{
    /// <summary>Added to H's diagonal, relative to its mean: keeps H invertible when features are (nearly) collinear.</summary>
    public const double Damping = 0.01;

    /// <param name="columns">The weight as N rows of K values (row n is output column n).</param>
    /// <param name="k">Input features.</param>
    /// <param name="n">Output columns.</param>
    /// <param name="bits">4 or 8.</param>
    /// <param name="blockSize">Features per scale.</param>
    /// <param name="symmetric">Symmetric blocks, or a zero point each.</param>
    /// <param name="covariance">XᵀX of the layer's input.</param>
    public static BlockQuantizedWeight Quantize(ReadOnlySpan<float> columns, int k, int n, int bits, int blockSize, bool symmetric, InputCovariance covariance)
    {
        var hessian = covariance.ToMatrix();
        var weights = new double[n][];
        for (var c = 0; c < n; c++)
        {
            weights[c] = new double[k];
            TensorPrimitives.ConvertChecked<float, double>(columns.Slice(c * k, k), weights[c]);
        }

        var meanDiagonal = Enumerable.Range(0, k).Average(i => hessian[i][i]);
        for (var i = 0; i < k; i++)
        {
            if (hessian[i][i] == 0)
            {
                // A feature that is always zero: its weights never matter, and zeros quantize exactly.
                hessian[i][i] = 1;
                foreach (var row in weights)
                {
                    row[i] = 0;
                }
            }

            hessian[i][i] += Damping * Math.Max(meanDiagonal, double.Epsilon);
        }

        var inverseFactor = UpperInverseCholeskyFactor(hessian);
        var result = BlockQuantizer.Empty(k, n, bits, blockSize);
        var block = new float[blockSize];
        for (var i = 0; i < k; i++)
        {
            var b = i / blockSize;
            var start = b * blockSize;
            var pivot = inverseFactor[i][i];
            var rest = inverseFactor[i].AsSpan(i + 1);
            for (var c = 0; c < n; c++)
            {
                var row = weights[c];
                if (i == start)
                {
                    var length = Math.Min(blockSize, k - start);
                    for (var j = 0; j < length; j++)
                    {
                        block[j] = (float)row[start + j];
                    }

                    result.SetParameters(c, b, BlockQuantizer.Parameters(block.AsSpan(0, length), bits, symmetric));
                }

                var index = (c * result.BlockCount) + b;
                var code = BlockQuantizer.Code((float)row[i], new QuantizationParameters(result.Scales[index], result.ZeroPoints[index]), bits, symmetric);
                result.Codes[(index * blockSize) + (i - start)] = code;
                var error = (row[i] - result.Dequantize(c, b, code)) / pivot;
                TensorPrimitives.MultiplyAdd(rest, -error, row.AsSpan(i + 1), row.AsSpan(i + 1));
            }
        }

        return result;
    }

    /// <summary>
    /// U upper triangular with H⁻¹ = UᵀU, computed without forming H⁻¹: H = R·Rᵀ with R upper triangular (a Cholesky
    /// factorisation run from the last row up), then U = R⁻¹.
    /// </summary>
    internal static double[][] UpperInverseCholeskyFactor(double[][] hessian)
    {
        var k = hessian.Length;
        var r = Enumerable.Range(0, k).Select(_ => new double[k]).ToArray();
        for (var i = k - 1; i >= 0; i--)
        {
            var tail = r[i].AsSpan(i + 1);
            var pivot = hessian[i][i] - TensorPrimitives.Dot<double>(tail, tail);
            if (!(pivot > 0))
            {
                throw new InvalidOperationException($"the input covariance is not positive definite (pivot {i} is {pivot})");
            }

            r[i][i] = Math.Sqrt(pivot);
            for (var j = 0; j < i; j++)
            {
                r[j][i] = (hessian[j][i] - TensorPrimitives.Dot<double>(r[j].AsSpan(i + 1), tail)) / r[i][i];
            }
        }

        var u = Enumerable.Range(0, k).Select(_ => new double[k]).ToArray();
        var sum = new double[k];
        for (var i = k - 1; i >= 0; i--)
        {
            Array.Clear(sum);
            for (var m = i + 1; m < k; m++)
            {
                TensorPrimitives.MultiplyAdd(u[m].AsSpan(m), r[i][m], sum.AsSpan(m), sum.AsSpan(m));
            }

            u[i][i] = 1 / r[i][i];
            for (var j = i + 1; j < k; j++)
            {
                u[i][j] = -sum[j] / r[i][i];
            }
        }

        return u;
    }
}
