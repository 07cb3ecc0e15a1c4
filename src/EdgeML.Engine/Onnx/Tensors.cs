using System.Runtime.InteropServices;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>Converts between <see cref="TensorProto"/> and .NET arrays (little-endian raw data, as ONNX stores it).</summary>
public static class Tensors
{
    public static TensorProto FromFloats(string name, IReadOnlyList<long> dims, ReadOnlySpan<float> values) =>
        FromRaw(name, TensorProto.Types.DataType.Float, dims, MemoryMarshal.AsBytes(values));

    public static TensorProto FromInt8(string name, IReadOnlyList<long> dims, ReadOnlySpan<sbyte> values) =>
        FromRaw(name, TensorProto.Types.DataType.Int8, dims, MemoryMarshal.AsBytes(values));

    public static TensorProto FromUInt8(string name, IReadOnlyList<long> dims, ReadOnlySpan<byte> values) =>
        FromRaw(name, TensorProto.Types.DataType.Uint8, dims, values);

    public static TensorProto FromInt32(string name, IReadOnlyList<long> dims, ReadOnlySpan<int> values) =>
        FromRaw(name, TensorProto.Types.DataType.Int32, dims, MemoryMarshal.AsBytes(values));

    public static TensorProto FromInt64(string name, IReadOnlyList<long> dims, ReadOnlySpan<long> values) =>
        FromRaw(name, TensorProto.Types.DataType.Int64, dims, MemoryMarshal.AsBytes(values));

    /// <summary>The number of elements a tensor of these dimensions holds.</summary>
    public static long ElementCount(IEnumerable<long> dims) => dims.Aggregate(1L, (count, dim) => count * dim);

    /// <summary>The transpose of a row-major <paramref name="rows"/> × <paramref name="columns"/> matrix.</summary>
    public static T[] Transpose<T>(T[] values, int rows, int columns)
    {
        var transposed = new T[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                transposed[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return transposed;
    }

    /// <summary>Reads an int64 tensor (a shape, an index list) whether it stores raw data or the typed <c>int64_data</c> field.</summary>
    public static long[] ToInt64s(TensorProto tensor) => tensor.DataType != (int)TensorProto.Types.DataType.Int64
        ? throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"tensor '{tensor.Name}' has element type {(TensorProto.Types.DataType)tensor.DataType}, expected INT64")
        : tensor.HasRawData ? MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray() : [.. tensor.Int64Data];

    /// <summary>Reads a float tensor whether it stores raw data or the typed <c>float_data</c> field.</summary>
    public static float[] ToFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"tensor '{tensor.Name}' has element type {(TensorProto.Types.DataType)tensor.DataType}, expected FLOAT");
        }

        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"tensor '{tensor.Name}' keeps its data in an external file, which this version does not read");
        }

        var count = checked((int)ElementCount(tensor.Dims));
        if (tensor.HasRawData)
        {
            var raw = tensor.RawData.Span;
            if (raw.Length != count * sizeof(float))
            {
                throw new EdgeMLException(DiagnosticCodes.ModelUnreadable, $"tensor '{tensor.Name}' holds {raw.Length} bytes, its shape needs {count * sizeof(float)}");
            }

            return MemoryMarshal.Cast<byte, float>(raw).ToArray();
        }

        if (tensor.FloatData.Count != count)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnreadable, $"tensor '{tensor.Name}' holds {tensor.FloatData.Count} values, its shape needs {count}");
        }

        return [.. tensor.FloatData];
    }

    private static TensorProto FromRaw(string name, TensorProto.Types.DataType type, IReadOnlyList<long> dims, ReadOnlySpan<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; big-endian hosts are not supported.");
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
