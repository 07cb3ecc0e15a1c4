using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Quantization;

/// <summary>8-bit tensors of either activation element type (int8, uint8): quantized constants and their zero points.</summary>
internal static class QuantizedTensors
{
    /// <summary>The integer range of <paramref name="type"/>.</summary>
    public static (int QMin, int QMax) Limits(TensorProto.Types.DataType type) =>
        type == TensorProto.Types.DataType.Uint8 ? (0, 255) : (-128, 127);

    public static TensorProto From(string name, TensorProto.Types.DataType type, IReadOnlyList<long> dims, int[] values) =>
        type == TensorProto.Types.DataType.Uint8
            ? Tensors.FromUInt8(name, dims, values.Select(v => (byte)v).ToArray())
            : Tensors.FromInt8(name, dims, values.Select(v => (sbyte)v).ToArray());

    /// <summary>The values of an int8 or uint8 tensor stored as raw data, as the quantizers write them.</summary>
    public static int[] Values(TensorProto tensor) => tensor.DataType == (int)TensorProto.Types.DataType.Uint8
        ? tensor.RawData.Select(b => (int)b).ToArray()
        : tensor.RawData.Select(b => (int)(sbyte)b).ToArray();
}
