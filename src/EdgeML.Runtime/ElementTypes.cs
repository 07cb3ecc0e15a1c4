using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Runtime;

/// <summary>The ONNX element type of each .NET type that tensor spans may hold.</summary>
internal static class ElementTypes
{
    private static readonly Dictionary<Type, TensorElementType> ByClrType = new()
    {
        [typeof(float)] = TensorElementType.Float,
        [typeof(double)] = TensorElementType.Double,
        [typeof(Half)] = TensorElementType.Float16,
        [typeof(sbyte)] = TensorElementType.Int8,
        [typeof(byte)] = TensorElementType.UInt8,
        [typeof(short)] = TensorElementType.Int16,
        [typeof(ushort)] = TensorElementType.UInt16,
        [typeof(int)] = TensorElementType.Int32,
        [typeof(uint)] = TensorElementType.UInt32,
        [typeof(long)] = TensorElementType.Int64,
        [typeof(ulong)] = TensorElementType.UInt64,
        [typeof(bool)] = TensorElementType.Bool,
    };

    public static TensorElementType Of<T>()
        where T : unmanaged =>
        Cache<T>.ElementType ?? throw new ArgumentException($"{typeof(T).Name} is not an ONNX tensor element type.");

    // Looked up once per type: the span run checks its element types on every call, and a dictionary lookup by
    // Type costs tens of nanoseconds there.
    private static class Cache<T>
    {
        public static readonly TensorElementType? ElementType = ByClrType.TryGetValue(typeof(T), out var elementType) ? elementType : null;
    }
}
