using System.Runtime.InteropServices;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Quantization.Fp16;

/// <summary>
/// Float to float16 tensor conversion with the range checks that decide whether a tensor may convert at all:
/// float16 holds magnitudes up to 65504 and rounds anything below 2^-25 to zero.
/// </summary>
internal static class Float16Tensors
{
    public const float MaxMagnitude = 65504f;

    /// <summary>Why <paramref name="values"/> cannot become float16, or null when they can.</summary>
    public static string? WhyNotConvertible(ReadOnlySpan<float> values)
    {
        var maxAbs = 0f;
        var anyNonZero = false;
        var anySurvives = false;
        foreach (var value in values)
        {
            var magnitude = Math.Abs(value);
            maxAbs = Math.Max(maxAbs, magnitude);
            anyNonZero |= magnitude > 0f;
            anySurvives |= (Half)magnitude > Half.Zero;
        }

        return maxAbs > MaxMagnitude ? $"it holds {maxAbs:G6}, beyond float16's ±{MaxMagnitude}"
            : anyNonZero && !anySurvives ? "every value underflows float16 to zero"
            : null;
    }

    /// <summary>A float16 tensor of <paramref name="values"/> (raw little-endian, as ONNX stores it).</summary>
    public static TensorProto From(string name, IReadOnlyList<long> dims, ReadOnlySpan<float> values)
    {
        var halves = new Half[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float16, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(halves.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
