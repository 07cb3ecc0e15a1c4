using EdgeML.Engine.Data;

namespace EdgeML.Engine.Tests.Support;

/// <summary>Seeded random samples for calibration and comparison.</summary>
internal static class RandomData
{
    public static LabeledDataset Uniform(int samples, int features, int seed = 7, float min = 0f, float max = 1f)
    {
        var random = new Random(seed);
        var values = new float[samples * features];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = min + ((float)random.NextDouble() * (max - min));
        }

        return new LabeledDataset("random", values, features, labels: null);
    }
}
