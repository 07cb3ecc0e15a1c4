using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Tests.Support;

/// <summary>Runs models with several inputs or dynamic dimensions in ONNX Runtime and compares their outputs.</summary>
internal static class ModelOutputs
{
    /// <summary>Seeded standard normal inputs of the given shapes, by input name.</summary>
    public static Dictionary<string, DenseTensor<float>> NormalInputs(int seed, params (string Name, int[] Shape)[] inputs) =>
        inputs.Select((input, i) => (input.Name, Tensor: new DenseTensor<float>(RandomData.Normal(input.Shape.Aggregate(1, (a, b) => a * b), seed + i), input.Shape)))
            .ToDictionary(input => input.Name, input => input.Tensor);

    /// <summary>Every output of the model, concatenated in output order.</summary>
    public static float[] Run(ModelProto model, IReadOnlyDictionary<string, DenseTensor<float>> inputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var outputs = session.Run(inputs.Select(input => NamedOnnxValue.CreateFromTensor(input.Key, input.Value)).ToList());
        return outputs.SelectMany(output => output.AsEnumerable<float>()).ToArray();
    }

    /// <summary>The cosine similarity of both models' outputs on the same inputs.</summary>
    public static double Cosine(ModelProto original, ModelProto rewritten, IReadOnlyDictionary<string, DenseTensor<float>> inputs)
    {
        var a = Run(original, inputs);
        var b = Run(rewritten, inputs);
        Assert.HasCount(a.Length, b);
        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            aa += a[i] * (double)a[i];
            bb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(aa * bb);
    }
}
