using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization.WeightOnly;

/// <summary>
/// A weight quantized in blocks along K, one row per output column n: <see cref="Codes"/> holds
/// <c>N × BlockCount × BlockSize</c> unsigned codes (the tail of the last block padded with its zero point, so
/// it dequantizes to 0), and block (n, b) dequantizes as <c>(code - ZeroPoints[n·BlockCount + b]) · Scales[n·BlockCount + b]</c>.
/// </summary>
internal sealed record BlockQuantizedWeight(int K, int N, int Bits, int BlockSize, byte[] Codes, float[] Scales, byte[] ZeroPoints)
{
    public int BlockCount => (K + BlockSize - 1) / BlockSize;

    /// <summary>Records block (<paramref name="column"/>, <paramref name="block"/>)'s parameters and fills it with its zero point (the padded tail stays 0).</summary>
    public QuantizationParameters SetParameters(int column, int block, QuantizationParameters parameters)
    {
        var index = (column * BlockCount) + block;
        Scales[index] = parameters.Scale;
        ZeroPoints[index] = (byte)parameters.ZeroPoint;
        Codes.AsSpan(index * BlockSize, BlockSize).Fill((byte)parameters.ZeroPoint);
        return parameters;
    }

    /// <summary>The value code <paramref name="code"/> of block (<paramref name="column"/>, <paramref name="block"/>) stands for.</summary>
    public float Dequantize(int column, int block, byte code)
    {
        var index = (column * BlockCount) + block;
        return (code - ZeroPoints[index]) * Scales[index];
    }
}

/// <summary>
/// Block-wise quantization of a float weight to unsigned <c>bits</c>-bit codes, MatMulNBits' convention:
/// symmetric blocks use the implicit zero point 2^(bits-1) (8 for int4, 128 for int8) and the narrow range
/// [-(2^(bits-1)-1), 2^(bits-1)-1] around it; asymmetric blocks get their own scale and zero point from their
/// min and max (widened to contain 0, so zeros stay exact).
/// </summary>
internal static class BlockQuantizer
{
    public static int BitsOf(WeightType weights) => weights == WeightType.Int4 ? 4 : 8;

    /// <summary>Quantizes <paramref name="columns"/>, the weight as N rows of K values (row n is output column n), rounding each value to the nearest code.</summary>
    public static BlockQuantizedWeight Quantize(ReadOnlySpan<float> columns, int k, int n, int bits, int blockSize, bool symmetric)
    {
        var weight = Empty(k, n, bits, blockSize);
        for (var column = 0; column < n; column++)
        {
            for (var b = 0; b < weight.BlockCount; b++)
            {
                var start = b * blockSize;
                var block = columns.Slice((column * k) + start, Math.Min(blockSize, k - start));
                var parameters = weight.SetParameters(column, b, Parameters(block, bits, symmetric));
                for (var i = 0; i < block.Length; i++)
                {
                    weight.Codes[(((column * weight.BlockCount) + b) * blockSize) + i] = Code(block[i], parameters, bits, symmetric);
                }
            }
        }

        return weight;
    }

    /// <summary>A weight whose codes are all zero points (every value 0), for a quantizer to fill block by block.</summary>
    public static BlockQuantizedWeight Empty(int k, int n, int bits, int blockSize)
    {
        var blocks = (k + blockSize - 1) / blockSize;
        return new BlockQuantizedWeight(k, n, bits, blockSize, new byte[n * blocks * blockSize], new float[n * blocks], new byte[n * blocks]);
    }

    /// <summary>
    /// The scale and zero point of one block of weights: the block's range, shrunk by the factor (1, 0.95, …, 0.6) whose
    /// codes reproduce the block with the least squared error. With 16 levels, clipping the one or two extreme weights
    /// of a block often buys every other weight a finer step; the search never does worse than the full range.
    /// </summary>
    public static QuantizationParameters Parameters(ReadOnlySpan<float> block, int bits, bool symmetric)
    {
        var best = RangeParameters(block, bits, symmetric, 1f);
        var bestError = SquaredError(block, best, bits, symmetric);
        for (var step = 1; step <= ClipSteps; step++)
        {
            var candidate = RangeParameters(block, bits, symmetric, 1f - (step * ClipStep));
            var error = SquaredError(block, candidate, bits, symmetric);
            if (error < bestError)
            {
                (best, bestError) = (candidate, error);
            }
        }

        return best;
    }

    private const int ClipSteps = 8;
    private const float ClipStep = 0.05f;

    private static QuantizationParameters RangeParameters(ReadOnlySpan<float> block, int bits, bool symmetric, float shrink)
    {
        var symmetricMax = (1 << (bits - 1)) - 1;
        return symmetric
            ? new QuantizationParameters(QuantizationMath.SymmetricScale(block, symmetricMax) * shrink, symmetricMax + 1)
            : QuantizationMath.Asymmetric(Min(block) * shrink, Max(block) * shrink, 0, (1 << bits) - 1);
    }

    private static double SquaredError(ReadOnlySpan<float> block, QuantizationParameters parameters, int bits, bool symmetric)
    {
        var error = 0.0;
        foreach (var value in block)
        {
            var difference = value - ((Code(value, parameters, bits, symmetric) - parameters.ZeroPoint) * parameters.Scale);
            error += difference * difference;
        }

        return error;
    }

    /// <summary>The code nearest to <paramref name="value"/> (symmetric blocks never use code 0, keeping the range narrow).</summary>
    public static byte Code(float value, QuantizationParameters parameters, int bits, bool symmetric)
    {
        var code = Math.Round(value / parameters.Scale, MidpointRounding.ToEven) + parameters.ZeroPoint;
        return (byte)Math.Clamp(code, symmetric ? 1 : 0, (1 << bits) - 1);
    }

    private static float Min(ReadOnlySpan<float> values)
    {
        var min = float.PositiveInfinity;
        foreach (var value in values)
        {
            min = Math.Min(min, value);
        }

        return min;
    }

    private static float Max(ReadOnlySpan<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var value in values)
        {
            max = Math.Max(max, value);
        }

        return max;
    }
}
