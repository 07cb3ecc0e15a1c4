namespace EdgeML.Engine.Data;

/// <summary>
/// Samples for evaluation or calibration: the values of each model input (<see cref="Inputs"/>; most data has one,
/// unnamed) and, when the data is labeled, a class index per sample.
/// </summary>
public sealed class LabeledDataset
{
    /// <summary>A dataset with one unnamed input of <paramref name="featureCount"/> values per sample (CSV, single arrays).</summary>
    public LabeledDataset(string sourcePath, float[] features, int featureCount, int[]? labels)
        : this(sourcePath, [new DatasetInput(null, null, features, featureCount)], labels)
    {
    }

    /// <summary>A dataset with one entry per model input, all with the same number of samples.</summary>
    public LabeledDataset(string sourcePath, IReadOnlyList<DatasetInput> inputs, int[]? labels)
    {
        if (inputs.Count == 0 || inputs.Any(i => i.SampleLength <= 0 || i.Values.Length % i.SampleLength != 0))
        {
            throw new ArgumentException("Every input must hold whole samples.", nameof(inputs));
        }

        if (inputs.Any(i => i.Count != inputs[0].Count) || (labels is not null && labels.Length != inputs[0].Count))
        {
            throw new ArgumentException("Every input, and the labels, must have one entry per sample.", nameof(inputs));
        }

        SourcePath = sourcePath;
        Inputs = inputs;
        Labels = labels;
    }

    public string SourcePath { get; }

    public IReadOnlyList<DatasetInput> Inputs { get; }

    /// <summary>Class index per sample; null for unlabeled data.</summary>
    public int[]? Labels { get; }

    public int Count => Inputs[0].Count;

    /// <summary>The values of a single-input dataset.</summary>
    public float[] Features => Single.Values;

    /// <summary>Values per sample of a single-input dataset.</summary>
    public int FeatureCount => Single.SampleLength;

    private DatasetInput Single => Inputs.Count == 1
        ? Inputs[0]
        : throw new InvalidOperationException($"'{SourcePath}' has {Inputs.Count} inputs; this needs single-input data.");

    public ReadOnlySpan<float> Sample(int index) => Single.Batch(index, 1).Span;

    /// <summary>The samples of a single-input dataset from <paramref name="start"/> on, at most <paramref name="count"/> of them, as one contiguous block.</summary>
    public ReadOnlyMemory<float> Batch(int start, int count) => Single.Batch(start, count);

    /// <summary>The samples from <paramref name="start"/> on, at most <paramref name="count"/> of them.</summary>
    public LabeledDataset Slice(int start, int count)
    {
        count = Math.Min(count, Count - start);
        return Select(Enumerable.Range(start, count).ToArray());
    }

    /// <summary>
    /// A reproducible subset of <paramref name="count"/> samples (all of them when there are fewer), drawn
    /// without replacement with the given seed; the original order is kept so batches stay cache-friendly.
    /// </summary>
    public LabeledDataset Sample(int count, int seed)
    {
        if (count >= Count)
        {
            return this;
        }

        return Select(SampleIndices(Count, count, seed));
    }

    /// <summary>
    /// The indices <see cref="Sample(int, int)"/> keeps of <paramref name="total"/> samples, in ascending order; shared
    /// with readers that pick samples before loading them, so that the same seed picks the same positions.
    /// </summary>
    public static int[] SampleIndices(int total, int count, int seed)
    {
        var indices = Enumerable.Range(0, total).ToArray();
        if (count >= total)
        {
            return indices;
        }

        new Random(seed).Shuffle(indices);
        Array.Sort(indices, 0, count);
        return indices[..count];
    }

    /// <summary>The first <paramref name="count"/> samples.</summary>
    public LabeledDataset Take(int count) => count >= Count ? this : Slice(0, count);

    private LabeledDataset Select(IReadOnlyList<int> indices) =>
        new(SourcePath, Inputs.Select(input => input.Select(indices)).ToArray(), Labels is null ? null : indices.Select(i => Labels[i]).ToArray());
}
