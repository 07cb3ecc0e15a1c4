using System.Collections;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Runtime;

/// <summary>
/// The values for one <see cref="EdgeMLSession.Run(IReadOnlyList{OrtValue})"/>, one per model input. Spans cannot
/// outlive the call that receives them, so each <c>Set</c> copies its values into native memory that the input owns.
/// </summary>
public sealed class EdgeMLInputs : IReadOnlyList<OrtValue>, IDisposable
{
    private readonly IReadOnlyList<TensorInfo> _tensors;
    private readonly OrtValue?[] _values;

    internal EdgeMLInputs(IReadOnlyList<TensorInfo> tensors)
    {
        _tensors = tensors;
        _values = new OrtValue?[tensors.Count];
    }

    /// <summary>The number of model inputs.</summary>
    public int Count => _values.Length;

    /// <summary>The value set for an input.</summary>
    /// <param name="index">The input's position in <see cref="EdgeMLSession.Inputs"/>.</param>
    /// <exception cref="InvalidOperationException">The input has not been set.</exception>
    public OrtValue this[int index] =>
        _values[index] ?? throw new InvalidOperationException($"{_tensors[index].Description} has not been set.");

    /// <summary>Sets an input to a copy of <paramref name="data"/>.</summary>
    /// <typeparam name="T">The input's element type, e.g. <see cref="float"/>.</typeparam>
    /// <param name="inputIndex">The input's position in <see cref="EdgeMLSession.Inputs"/>.</param>
    /// <param name="data">The values in row-major order.</param>
    /// <param name="shape">The input's shape; one dimension may be -1, inferred from the number of values.</param>
    /// <exception cref="ArgumentException">The index, element type, shape or length does not match the model.</exception>
    public void Set<T>(int inputIndex, ReadOnlySpan<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        var tensor = EdgeMLSession.Select(_tensors, inputIndex, nameof(inputIndex));
        tensor.EnsureElementType<T>();
        var dimensions = TensorShapes.Resolve(tensor, shape, data.Length, nameof(data));

        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, tensor.ElementType, dimensions);
        MemoryMarshal.AsBytes(data).CopyTo(value.GetTensorMutableRawData());
        Replace(inputIndex, value);
    }

    /// <summary>Sets a string input to a copy of <paramref name="data"/>.</summary>
    /// <param name="inputIndex">The input's position in <see cref="EdgeMLSession.Inputs"/>.</param>
    /// <param name="data">The strings in row-major order.</param>
    /// <param name="shape">The input's shape; one dimension may be -1, inferred from the number of strings.</param>
    /// <exception cref="ArgumentException">The index, element type, shape or length does not match the model.</exception>
    public void Set(int inputIndex, ReadOnlySpan<string> data, ReadOnlySpan<long> shape)
    {
        var tensor = EdgeMLSession.Select(_tensors, inputIndex, nameof(inputIndex));
        tensor.EnsureElementType(TensorElementType.String, typeof(string));
        var dimensions = TensorShapes.Resolve(tensor, shape, data.Length, nameof(data));

        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, dimensions);
        for (var i = 0; i < data.Length; i++)
        {
            value.StringTensorSetElementAt(data[i].AsSpan(), i);
        }

        Replace(inputIndex, value);
    }

    /// <summary>Enumerates the inputs' values in model order.</summary>
    /// <returns>An enumerator that throws <see cref="InvalidOperationException"/> at an input that has not been set.</returns>
    public IEnumerator<OrtValue> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Frees the native memory of every value set.</summary>
    public void Dispose()
    {
        foreach (var value in _values)
        {
            value?.Dispose();
        }

        Array.Clear(_values);
    }

    private void Replace(int inputIndex, OrtValue value)
    {
        _values[inputIndex]?.Dispose();
        _values[inputIndex] = value;
    }
}
