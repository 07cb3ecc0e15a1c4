namespace EdgeML.Engine.Quantization;

/// <summary>Affine quantization parameters: real = (q - ZeroPoint) * Scale.</summary>
public readonly record struct QuantizationParameters(float Scale, int ZeroPoint);

/// <summary>The arithmetic of affine int8 quantization, shared by weights, activations and biases.</summary>
public static class QuantizationMath
{
    /// <summary>
    /// Asymmetric parameters that map [min, max] onto [qmin, qmax]. The range is widened to contain 0 so that
    /// zero (padding, ReLU's floor) is represented exactly.
    /// </summary>
    public static QuantizationParameters Asymmetric(float min, float max, int qmin, int qmax)
    {
        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        if (max - min < float.Epsilon)
        {
            return new QuantizationParameters(1f, Math.Clamp(0, qmin, qmax));
        }

        var scale = (max - min) / (qmax - qmin);
        var zeroPoint = (int)Math.Round(qmin - (min / scale), MidpointRounding.ToEven);
        return new QuantizationParameters(scale, Math.Clamp(zeroPoint, qmin, qmax));
    }

    /// <summary>
    /// Symmetric weight scale over [-qmax, qmax]; for int8 [-127, 127] (the narrow range keeps -128 out, so
    /// products of two int8 values cannot overflow the int16 accumulation some kernels use).
    /// </summary>
    public static float SymmetricScale(ReadOnlySpan<float> values, int qmax = 127)
    {
        var maxAbs = 0f;
        foreach (var value in values)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(value));
        }

        // An all-zero channel quantizes to zeros whatever the scale; 1 keeps bias scales finite.
        return maxAbs > 0f ? maxAbs / qmax : 1f;
    }

    /// <summary>
    /// Symmetric int8 codes of a row-major matrix of <paramref name="rows"/> equal rows, with one scale per row (a
    /// weight's output channels laid out as rows); pass one row for a single scale over all values.
    /// </summary>
    public static (sbyte[] Codes, float[] Scales) QuantizeRows(ReadOnlySpan<float> values, int rows)
    {
        var length = values.Length / rows;
        var codes = new sbyte[values.Length];
        var scales = new float[rows];
        for (var row = 0; row < rows; row++)
        {
            var slice = values.Slice(row * length, length);
            scales[row] = SymmetricScale(slice);
            for (var i = 0; i < length; i++)
            {
                codes[(row * length) + i] = QuantizeSymmetric(slice[i], scales[row]);
            }
        }

        return (codes, scales);
    }

    /// <summary>The integer in [qmin, qmax] that <paramref name="value"/> quantizes to with <paramref name="parameters"/>.</summary>
    public static int QuantizeAsymmetric(float value, QuantizationParameters parameters, int qmin, int qmax) =>
        (int)Math.Clamp(Math.Round(value / parameters.Scale, MidpointRounding.ToEven) + parameters.ZeroPoint, qmin, qmax);

    public static sbyte QuantizeSymmetric(float value, float scale) =>
        (sbyte)Math.Clamp(Math.Round(value / scale, MidpointRounding.ToEven), -127, 127);

    public static int QuantizeBias(float value, float scale) =>
        (int)Math.Clamp(Math.Round(value / (double)scale, MidpointRounding.ToEven), int.MinValue + 1, int.MaxValue);
}
