using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace Digits.Trainer;

/// <summary>Runs the written model file in ONNX Runtime, so the check covers the export as well as the training.</summary>
internal static class OnnxRuntimeCheck
{
    /// <summary>The class ONNX Runtime's scores pick for every digit in <paramref name="set"/>.</summary>
    public static int[] Predict(string modelPath, DigitSet set)
    {
        using var session = new InferenceSession(modelPath);
        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(set.Pixels, [set.Count, DigitSet.PixelCount]);
        using var outputs = session.Run(runOptions, [OnnxExporter.InputName], [input], [OnnxExporter.OutputName]);

        var scores = outputs[0].GetTensorDataAsSpan<float>();
        var predictions = new int[set.Count];
        for (var i = 0; i < set.Count; i++)
        {
            predictions[i] = TensorPrimitives.IndexOfMax(scores.Slice(i * DigitSet.ClassCount, DigitSet.ClassCount));
        }

        return predictions;
    }
}
