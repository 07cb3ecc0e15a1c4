using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Runtime;

/// <summary>One input or output of a loaded model, as ONNX Runtime reports it.</summary>
public sealed class TensorInfo
{
    private readonly string _kind;

    private TensorInfo(string kind, string name, TensorElementType elementType, IReadOnlyList<long> dimensions)
    {
        _kind = kind;
        Name = name;
        ElementType = elementType;
        Dimensions = dimensions;
    }

    /// <summary>The tensor's name in the ONNX graph.</summary>
    public string Name { get; }

    /// <summary>The type of the tensor's elements.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>The dimensions the model declares; -1 marks a dynamic one.</summary>
    public IReadOnlyList<long> Dimensions { get; }

    /// <summary>How error messages refer to the tensor, e.g. <c>input 'pixels'</c>.</summary>
    internal string Description => $"{_kind} '{Name}'";

    /// <summary>The tensor's name, element type and dimensions, e.g. <c>pixels: Float[-1, 4]</c>.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString() => $"{Name}: {ElementType}{TensorShapes.Format(Dimensions)}";

    internal static TensorInfo Create(string kind, string name, NodeMetadata metadata)
    {
        if (!metadata.IsTensor)
        {
            throw new EdgeMLModelLoadException($"{kind} '{name}' is a {metadata.OnnxValueType}; EdgeML.Runtime runs models whose inputs and outputs are tensors.");
        }

        return new TensorInfo(kind, name, metadata.ElementDataType, Array.ConvertAll(metadata.Dimensions, dim => (long)dim));
    }

    /// <summary>Throws unless the tensor's elements are of the caller's .NET type.</summary>
    internal void EnsureElementType(TensorElementType requested, Type clrType)
    {
        if (requested != ElementType)
        {
            throw new ArgumentException($"{Description} holds {ElementType} elements, not {clrType.Name}.");
        }
    }

    internal void EnsureElementType<T>()
        where T : unmanaged => EnsureElementType(ElementTypes.Of<T>(), typeof(T));
}
