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

    /// <summary>Standard normal values (Box–Muller).</summary>
    public static float[] Normal(int count, int seed = 7)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return values;
    }
}
