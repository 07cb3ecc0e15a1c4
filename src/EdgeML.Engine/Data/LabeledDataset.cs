namespace EdgeML.Engine.Data;

/// <summary>
/// Samples for evaluation or calibration: one flat float feature vector per sample (row-major, as the
/// model input takes it without the batch dimension) and, when the data is labeled, a class index each.
/// </summary>
public sealed class LabeledDataset
{
    public LabeledDataset(string sourcePath, float[] features, int featureCount, int[]? labels)
    {
        if (featureCount <= 0 || features.Length % featureCount != 0)
        {
            throw new ArgumentException("The feature buffer must hold whole samples.", nameof(features));
        }

        SourcePath = sourcePath;
        Features = features;
        FeatureCount = featureCount;
        Labels = labels;
    }

    public string SourcePath { get; }

    public float[] Features { get; }

    public int FeatureCount { get; }

    /// <summary>Class index per sample; null for unlabeled data.</summary>
    public int[]? Labels { get; }

    public int Count => Features.Length / FeatureCount;

    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>The samples from <paramref name="start"/> on, at most <paramref name="count"/> of them, as one contiguous block.</summary>
    public ReadOnlyMemory<float> Batch(int start, int count) =>
        Features.AsMemory(start * FeatureCount, Math.Min(count, Count - start) * FeatureCount);

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

        var indices = SampleIndices(Count, count, seed);
        var features = new float[count * FeatureCount];
        var labels = Labels is null ? null : new int[count];
        for (var i = 0; i < count; i++)
        {
            Sample(indices[i]).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
            if (labels is not null)
            {
                labels[i] = Labels![indices[i]];
            }
        }

        return new LabeledDataset(SourcePath, features, FeatureCount, labels);
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
    public LabeledDataset Take(int count) => count >= Count
        ? this
        : new LabeledDataset(SourcePath, Features[..(count * FeatureCount)], FeatureCount, Labels?[..count]);
}
