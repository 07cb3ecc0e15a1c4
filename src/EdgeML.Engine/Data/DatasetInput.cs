namespace EdgeML.Engine.Data;

/// <summary>
/// One model input's samples in a dataset, as float32 in row-major order. Integer inputs (token ids, attention
/// masks) travel as floats too — exact up to 2^24, which <see cref="Inference.ModelRunner"/> checks when it binds them.
/// </summary>
/// <param name="Name">The model input these values feed; null for a dataset with one unnamed input (CSV, <c>.npy</c>, <c>x</c> of an <c>.npz</c>).</param>
/// <param name="SampleShape">The shape of one sample, when the data declares it (arrays do, CSV rows do not); it fills the model's dynamic dimensions.</param>
/// <param name="Values">All samples, one after the other.</param>
/// <param name="SampleLength">Values per sample.</param>
public sealed record DatasetInput(string? Name, IReadOnlyList<int>? SampleShape, float[] Values, int SampleLength)
{
    public int Count => Values.Length / SampleLength;

    /// <summary>The samples from <paramref name="start"/> on, at most <paramref name="count"/>, as one contiguous block.</summary>
    public ReadOnlyMemory<float> Batch(int start, int count) =>
        Values.AsMemory(start * SampleLength, Math.Min(count, Count - start) * SampleLength);

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public DatasetInput Select(IReadOnlyList<int> indices)
    {
        var values = new float[indices.Count * SampleLength];
        for (var i = 0; i < indices.Count; i++)
        {
            Values.AsSpan(indices[i] * SampleLength, SampleLength).CopyTo(values.AsSpan(i * SampleLength));
        }

        return this with { Values = values };
    }

    /// <summary>How errors name these values.</summary>
    public string Describe(string sourcePath) => Name is null ? $"'{sourcePath}'" : $"array '{Name}' of '{sourcePath}'";
}
