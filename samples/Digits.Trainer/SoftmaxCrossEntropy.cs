using System.Numerics.Tensors;

namespace Digits.Trainer;

/// <summary>The training loss: cross-entropy of the softmax of the logits against the labels, averaged over the batch.</summary>
internal static class SoftmaxCrossEntropy
{
    /// <summary>Writes d(loss)/d(logits) = (softmax − one-hot) / batch into <paramref name="gradient"/>; returns the loss.</summary>
    public static float Compute(float[] logits, ReadOnlySpan<byte> labels, int classes, float[] gradient)
    {
        var batch = labels.Length;
        var loss = 0.0;
        for (var b = 0; b < batch; b++)
        {
            var probabilities = gradient.AsSpan(b * classes, classes);
            TensorPrimitives.SoftMax(logits.AsSpan(b * classes, classes), probabilities);
            loss -= Math.Log(Math.Max(probabilities[labels[b]], 1e-12f));
            probabilities[labels[b]] -= 1;
            TensorPrimitives.Divide(probabilities, batch, probabilities);
        }

        return (float)(loss / batch);
    }
}
