using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.CodeGen;

/// <summary>The C# type of each tensor element type that generated code and EdgeML.Runtime support.</summary>
internal static class CSharpTypeNames
{
    /// <summary>The C# type, or <see langword="null"/> when generated code cannot take or return the element type.</summary>
    public static string? Of(TensorElementType elementType) => elementType switch
    {
        TensorElementType.Float => "float",
        TensorElementType.Double => "double",
        TensorElementType.Float16 => "global::System.Half",
        TensorElementType.Int8 => "sbyte",
        TensorElementType.UInt8 => "byte",
        TensorElementType.Int16 => "short",
        TensorElementType.UInt16 => "ushort",
        TensorElementType.Int32 => "int",
        TensorElementType.UInt32 => "uint",
        TensorElementType.Int64 => "long",
        TensorElementType.UInt64 => "ulong",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        _ => null,
    };
}
