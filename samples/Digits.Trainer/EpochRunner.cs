namespace Digits.Trainer;

/// <summary>Runs training epochs: a seeded shuffle, then for each mini-batch of randomly shifted digits a forward pass,
/// the loss, a backward pass and an optimizer step.</summary>
internal sealed class EpochRunner(Mlp network, AdamOptimizer optimizer, RandomShift shift, Random random)
{
    private readonly float[] batchPixels = new float[network.MaxBatch * DigitSet.PixelCount];
    private readonly byte[] batchLabels = new byte[network.MaxBatch];

    /// <summary>Trains one pass over <paramref name="set"/>; returns the mean training loss.</summary>
    public float Run(DigitSet set)
    {
        var order = Enumerable.Range(0, set.Count).ToArray();
        random.Shuffle(order);

        var totalLoss = 0.0;
        for (var start = 0; start < set.Count; start += network.MaxBatch)
        {
            var rows = Math.Min(network.MaxBatch, set.Count - start);
            for (var r = 0; r < rows; r++)
            {
                shift.Apply(set.Image(order[start + r]), batchPixels.AsSpan(r * DigitSet.PixelCount));
                batchLabels[r] = set.Labels[order[start + r]];
            }

            var logits = network.Forward(batchPixels, rows);
            totalLoss += rows * SoftmaxCrossEntropy.Compute(logits, batchLabels.AsSpan(0, rows), network.OutputCount, network.LogitGradient);
            network.Backward(batchPixels, rows);
            optimizer.Step();
        }

        return (float)(totalLoss / set.Count);
    }
}
