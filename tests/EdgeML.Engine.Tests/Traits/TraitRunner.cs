using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Engine.Tests.Traits;

/// <summary>Runs a model's first output in ONNX Runtime for a batch of any shape (sequence dimensions included).</summary>
internal static class TraitRunner
{
    public static float[] Run(byte[] model, float[] input, long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [session.InputMetadata.Keys.First()], [value], [session.OutputMetadata.Keys.First()]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>The mean cosine similarity of each sample's outputs.</summary>
    public static double MeanCosine(float[] expected, float[] actual, int samples)
    {
        var length = expected.Length / samples;
        return Enumerable.Range(0, samples).Average(i =>
            System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(expected.AsSpan(i * length, length), actual.AsSpan(i * length, length)));
    }

    /// <summary>The share of samples whose largest output is at the same index.</summary>
    public static double ArgmaxAgreement(float[] expected, float[] actual, int samples)
    {
        var length = expected.Length / samples;
        return Enumerable.Range(0, samples).Count(i =>
            System.Numerics.Tensors.TensorPrimitives.IndexOfMax(expected.AsSpan(i * length, length))
            == System.Numerics.Tensors.TensorPrimitives.IndexOfMax(actual.AsSpan(i * length, length))) / (double)samples;
    }
}
