using System.Runtime.InteropServices;

namespace EdgeML.Engine.Inference;

internal static class MemoryMarshalExtensions
{
    /// <summary>
    /// ONNX Runtime's tensor-over-memory API takes <see cref="Memory{T}"/> even for inputs it only reads;
    /// the inputs handed to it here are never written.
    /// </summary>
    public static Memory<float> AsWritable(ReadOnlyMemory<float> memory) => MemoryMarshal.AsMemory(memory);
}
