using System.Collections;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Runtime;

/// <summary>The outputs of one <see cref="EdgeMLSession.Run(IReadOnlyList{OrtValue})"/>, in model order, held in native memory until disposed.</summary>
public sealed class EdgeMLOutputs : IReadOnlyList<OrtValue>, IDisposable
{
    private readonly IReadOnlyList<TensorInfo> _tensors;
    private readonly IDisposableReadOnlyCollection<OrtValue> _values;

    internal EdgeMLOutputs(IReadOnlyList<TensorInfo> tensors, IDisposableReadOnlyCollection<OrtValue> values)
    {
        _tensors = tensors;
        _values = values;
    }

    /// <summary>The number of model outputs.</summary>
    public int Count => _values.Count;

    /// <summary>An output's value.</summary>
    /// <param name="index">The output's position in <see cref="EdgeMLSession.Outputs"/>.</param>
    public OrtValue this[int index] => _values[index];

    /// <summary>An output's values in row-major order, valid until the outputs are disposed.</summary>
    /// <typeparam name="T">The output's element type, e.g. <see cref="float"/>.</typeparam>
    /// <param name="outputIndex">The output's position in <see cref="EdgeMLSession.Outputs"/>.</param>
    /// <returns>A view of the output's native memory.</returns>
    /// <exception cref="ArgumentException">The index or element type does not match the model.</exception>
    public ReadOnlySpan<T> AsSpan<T>(int outputIndex)
        where T : unmanaged
    {
        EdgeMLSession.Select(_tensors, outputIndex, nameof(outputIndex)).EnsureElementType<T>();
        return MemoryMarshal.Cast<byte, T>(_values[outputIndex].GetTensorMutableRawData());
    }

    /// <summary>A copy of an output's values in row-major order.</summary>
    /// <typeparam name="T">The output's element type, e.g. <see cref="float"/>.</typeparam>
    /// <param name="outputIndex">The output's position in <see cref="EdgeMLSession.Outputs"/>.</param>
    /// <returns>A new array that outlives the outputs.</returns>
    /// <exception cref="ArgumentException">The index or element type does not match the model.</exception>
    public T[] ToArray<T>(int outputIndex)
        where T : unmanaged => AsSpan<T>(outputIndex).ToArray();

    /// <summary>A copy of a string output's values in row-major order.</summary>
    /// <param name="outputIndex">The output's position in <see cref="EdgeMLSession.Outputs"/>.</param>
    /// <returns>A new array that outlives the outputs.</returns>
    /// <exception cref="ArgumentException">The index does not match the model, or the output does not hold strings.</exception>
    public string[] ToStringArray(int outputIndex)
    {
        EdgeMLSession.Select(_tensors, outputIndex, nameof(outputIndex)).EnsureElementType(TensorElementType.String, typeof(string));
        return _values[outputIndex].GetStringTensorAsArray();
    }

    /// <summary>Enumerates the outputs' values in model order.</summary>
    /// <returns>An enumerator over the values.</returns>
    public IEnumerator<OrtValue> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Frees the outputs' native memory.</summary>
    public void Dispose() => _values.Dispose();
}
