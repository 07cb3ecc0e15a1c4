using System.Numerics.Tensors;

namespace Digits.Trainer;

/// <summary>A multilayer perceptron: dense layers with ReLU between them, raw logits out (no softmax, as exported).</summary>
internal sealed class Mlp
{
    private readonly float[][] activations;
    private readonly float[][] gradients;

    /// <param name="sizes">Layer widths, input first: 784, 256, 128, 10 for this sample.</param>
    /// <param name="maxBatch">The most rows one <see cref="Forward"/> call takes; buffers are sized for it once.</param>
    /// <param name="random">The seeded source of the initial weights.</param>
    public Mlp(IReadOnlyList<int> sizes, int maxBatch, Random random)
    {
        Layers = Enumerable.Range(0, sizes.Count - 1)
            .Select(i => new DenseLayer($"fc{i + 1}", sizes[i], sizes[i + 1], random))
            .ToArray();
        MaxBatch = maxBatch;
        activations = Layers.Select(l => new float[maxBatch * l.Outputs]).ToArray();
        gradients = Layers.Select(l => new float[maxBatch * l.Outputs]).ToArray();
    }

    public IReadOnlyList<DenseLayer> Layers { get; }

    public int MaxBatch { get; }

    public int OutputCount => Layers[^1].Outputs;

    /// <summary>Where the loss writes the gradient of the logits before <see cref="Backward"/>.</summary>
    public float[] LogitGradient => gradients[^1];

    /// <summary>Runs <paramref name="batch"/> input rows; returns the buffer whose first rows are their logits.</summary>
    public float[] Forward(float[] input, int batch)
    {
        var x = input;
        for (var i = 0; i < Layers.Count; i++)
        {
            Layers[i].Forward(x, activations[i], batch);
            if (i < Layers.Count - 1)
            {
                var hidden = activations[i].AsSpan(0, batch * Layers[i].Outputs);
                TensorPrimitives.Max(hidden, 0f, hidden);
            }

            x = activations[i];
        }

        return x;
    }

    /// <summary>Back-propagates the logits' gradient (written into <see cref="LogitGradient"/>) through the
    /// network, after a <see cref="Forward"/> of the same <paramref name="input"/>.</summary>
    public void Backward(float[] input, int batch)
    {
        for (var i = Layers.Count - 1; i >= 0; i--)
        {
            var layerInput = i == 0 ? input : activations[i - 1];
            var inputGradient = i == 0 ? null : gradients[i - 1];
            Layers[i].Backward(layerInput, gradients[i], inputGradient, batch);
            if (inputGradient is not null)
            {
                // ReLU passes the gradient only where it passed the activation.
                var count = batch * Layers[i].Inputs;
                for (var k = 0; k < count; k++)
                {
                    if (layerInput[k] <= 0)
                    {
                        inputGradient[k] = 0;
                    }
                }
            }
        }
    }

    /// <summary>The most likely class of every digit in <paramref name="set"/>.</summary>
    public int[] Predict(DigitSet set)
    {
        var predictions = new int[set.Count];
        var batch = new float[MaxBatch * DigitSet.PixelCount];
        for (var start = 0; start < set.Count; start += MaxBatch)
        {
            var rows = Math.Min(MaxBatch, set.Count - start);
            set.Pixels.AsSpan(start * DigitSet.PixelCount, rows * DigitSet.PixelCount).CopyTo(batch);
            var logits = Forward(batch, rows);
            for (var r = 0; r < rows; r++)
            {
                predictions[start + r] = TensorPrimitives.IndexOfMax(logits.AsSpan(r * OutputCount, OutputCount));
            }
        }

        return predictions;
    }
}
