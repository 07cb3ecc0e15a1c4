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

    /// <summary>Quantizes <paramref name="columns"/>, the weight as N rows of K values (row n is output column n).</summary>
    public static BlockQuantizedWeight Quantize(ReadOnlySpan<float> columns, int k, int n, int bits, int blockSize, bool symmetric)
    {
        var blocks = (k + blockSize - 1) / blockSize;
        var codes = new byte[n * blocks * blockSize];
        var scales = new float[n * blocks];
        var zeroPoints = new byte[n * blocks];
        var qmax = (1 << bits) - 1;
        var symmetricMax = (1 << (bits - 1)) - 1;
        for (var column = 0; column < n; column++)
        {
            for (var b = 0; b < blocks; b++)
            {
                var start = b * blockSize;
                var block = columns.Slice((column * k) + start, Math.Min(blockSize, k - start));
                var parameters = symmetric
                    ? new QuantizationParameters(QuantizationMath.SymmetricScale(block, symmetricMax), symmetricMax + 1)
                    : QuantizationMath.Asymmetric(Min(block), Max(block), 0, qmax);
                var index = (column * blocks) + b;
                scales[index] = parameters.Scale;
                zeroPoints[index] = (byte)parameters.ZeroPoint;
                var target = codes.AsSpan(index * blockSize, blockSize);
                target.Fill((byte)parameters.ZeroPoint);
                for (var i = 0; i < block.Length; i++)
                {
                    var code = Math.Round(block[i] / parameters.Scale, MidpointRounding.ToEven) + parameters.ZeroPoint;
                    target[i] = (byte)Math.Clamp(code, symmetric ? 1 : 0, qmax);
                }
            }
        }

        return new BlockQuantizedWeight(k, n, bits, blockSize, codes, scales, zeroPoints);
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
