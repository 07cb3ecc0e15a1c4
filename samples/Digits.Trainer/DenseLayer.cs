using System.Numerics.Tensors;

namespace Digits.Trainer;

/// <summary>A fully connected layer, y = x·Wᵀ + b, with W stored [outputs, inputs]: the layout of PyTorch's Linear
/// and of ONNX Gemm with transB=1, so export copies it as is.</summary>
/// <remarks>Parallel loops split work by output element only, and each element is summed in a fixed order, so
/// results do not depend on thread scheduling.</remarks>
internal sealed class DenseLayer
{
    public DenseLayer(string name, int inputs, int outputs, Random random)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Weights = new float[outputs * inputs];
        Bias = new float[outputs];
        WeightGradient = new float[Weights.Length];
        BiasGradient = new float[outputs];

        // He initialisation: variance 2/fan-in keeps ReLU activations from shrinking or growing layer by layer.
        var deviation = Math.Sqrt(2.0 / inputs);
        for (var i = 0; i < Weights.Length; i++)
        {
            Weights[i] = (float)(deviation * StandardNormal(random));
        }
    }

    public string Name { get; }

    public int Inputs { get; }

    public int Outputs { get; }

    public float[] Weights { get; }

    public float[] Bias { get; }

    /// <summary>The loss gradient of <see cref="Weights"/> for the last batch passed to <see cref="Backward"/>.</summary>
    public float[] WeightGradient { get; }

    public float[] BiasGradient { get; }

    /// <summary>Computes <paramref name="batch"/> rows of output from as many rows of input.</summary>
    public void Forward(float[] input, float[] output, int batch) =>
        Parallel.For(0, batch, b =>
        {
            var x = input.AsSpan(b * Inputs, Inputs);
            var y = output.AsSpan(b * Outputs, Outputs);
            for (var o = 0; o < Outputs; o++)
            {
                y[o] = TensorPrimitives.Dot(x, Weights.AsSpan(o * Inputs, Inputs)) + Bias[o];
            }
        });

    /// <summary>Sets the parameter gradients from the output gradient and, unless <paramref name="inputGradient"/> is
    /// null (the first layer has no use for it), writes the gradient of the input.</summary>
    public void Backward(float[] input, float[] outputGradient, float[]? inputGradient, int batch)
    {
        Parallel.For(0, Outputs, o =>
        {
            var weightGradient = WeightGradient.AsSpan(o * Inputs, Inputs);
            weightGradient.Clear();
            var biasGradient = 0f;
            for (var b = 0; b < batch; b++)
            {
                var g = outputGradient[b * Outputs + o];
                // ReLU zeroes about half the gradients; skipping them halves the work.
                if (g != 0)
                {
                    TensorPrimitives.MultiplyAdd(input.AsSpan(b * Inputs, Inputs), g, weightGradient, weightGradient);
                    biasGradient += g;
                }
            }

            BiasGradient[o] = biasGradient;
        });

        if (inputGradient is null)
        {
            return;
        }

        Parallel.For(0, batch, b =>
        {
            var dx = inputGradient.AsSpan(b * Inputs, Inputs);
            dx.Clear();
            for (var o = 0; o < Outputs; o++)
            {
                var g = outputGradient[b * Outputs + o];
                if (g != 0)
                {
                    TensorPrimitives.MultiplyAdd(Weights.AsSpan(o * Inputs, Inputs), g, dx, dx);
                }
            }
        });
    }

    // Box–Muller transform: two uniform draws give one standard normal draw.
    private static double StandardNormal(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
