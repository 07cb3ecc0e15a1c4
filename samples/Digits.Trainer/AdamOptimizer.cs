using System.Numerics.Tensors;

namespace Digits.Trainer;

/// <summary>Adam (Kingma &amp; Ba, 2015) over every layer's weights and biases, with bias correction folded into the step size.</summary>
internal sealed class AdamOptimizer
{
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;

    private readonly List<(float[] Parameters, float[] Gradient, float[] Mean, float[] Variance)> slots = [];
    private readonly float[] scratch;
    private int step;

    public AdamOptimizer(IEnumerable<DenseLayer> layers)
    {
        foreach (var layer in layers)
        {
            slots.Add((layer.Weights, layer.WeightGradient, new float[layer.Weights.Length], new float[layer.Weights.Length]));
            slots.Add((layer.Bias, layer.BiasGradient, new float[layer.Bias.Length], new float[layer.Bias.Length]));
        }

        scratch = new float[slots.Max(s => s.Parameters.Length)];
    }

    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>Moves every parameter against its current gradient.</summary>
    public void Step()
    {
        step++;
        var stepSize = LearningRate * MathF.Sqrt(1 - MathF.Pow(Beta2, step)) / (1 - MathF.Pow(Beta1, step));
        foreach (var (parameters, gradient, mean, variance) in slots)
        {
            var tmp = scratch.AsSpan(0, parameters.Length);

            // mean = β1·mean + (1 − β1)·g
            TensorPrimitives.Multiply(gradient, 1 - Beta1, tmp);
            TensorPrimitives.MultiplyAdd(mean, Beta1, tmp, mean);

            // variance = β2·variance + (1 − β2)·g²
            TensorPrimitives.Multiply(gradient, gradient, tmp);
            TensorPrimitives.Multiply(tmp, 1 - Beta2, tmp);
            TensorPrimitives.MultiplyAdd(variance, Beta2, tmp, variance);

            // parameters −= stepSize · mean / (√variance + ε)
            TensorPrimitives.Sqrt(variance, tmp);
            TensorPrimitives.Add(tmp, Epsilon, tmp);
            TensorPrimitives.Divide(mean, tmp, tmp);
            TensorPrimitives.MultiplyAdd(tmp, -stepSize, parameters, parameters);
        }
    }
}
