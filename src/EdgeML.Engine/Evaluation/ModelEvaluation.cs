using System.Numerics.Tensors;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Inference;

namespace EdgeML.Engine.Evaluation;

/// <summary>A model's first output on every validation sample, and what follows from it.</summary>
public sealed class ModelEvaluation
{
    private ModelEvaluation(float[] outputs, int outputLength, int[] predictions, double? accuracy)
    {
        Outputs = outputs;
        OutputLength = outputLength;
        Predictions = predictions;
        Accuracy = accuracy;
    }

    /// <summary>The first output, flattened: <see cref="OutputLength"/> values per sample.</summary>
    public float[] Outputs { get; }

    public int OutputLength { get; }

    /// <summary>Top-1 class per sample (the arg-max of the first output).</summary>
    public int[] Predictions { get; }

    /// <summary>Top-1 accuracy, when the data is labeled.</summary>
    public double? Accuracy { get; }

    /// <summary>Runs the model over every sample of <paramref name="data"/>.</summary>
    public static ModelEvaluation Run(ModelRunner runner, LabeledDataset data, SourceLocation dataLocation)
    {
        runner.EnsureFits(data, dataLocation);
        float[]? outputs = null;
        var outputLength = 0;
        runner.RunBatches(data, [runner.OutputNames[0]], batch =>
        {
            outputLength = batch.OutputLengthPerSample(0);
            outputs ??= new float[outputLength * data.Count];
            batch.Output(0).CopyTo(outputs.AsSpan(batch.Start * outputLength));
        });

        var predictions = new int[data.Count];
        for (var i = 0; i < predictions.Length; i++)
        {
            predictions[i] = TensorPrimitives.IndexOfMax<float>(outputs.AsSpan(i * outputLength, outputLength));
        }

        double? accuracy = null;
        if (data.Labels is { } labels)
        {
            if (outputLength < 2)
            {
                throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"the data is labeled, but the model's first output has {outputLength} value per sample, so it has no classes to compare with", dataLocation);
            }

            if (labels.Max() >= outputLength)
            {
                throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"the data has label {labels.Max()}, but the model's first output has only {outputLength} classes", dataLocation);
            }

            accuracy = labels.Zip(predictions).Count(p => p.First == p.Second) / (double)labels.Length;
        }

        return new ModelEvaluation(outputs!, outputLength, predictions, accuracy);
    }

    /// <summary>Share of samples where both models predict the same class.</summary>
    public double AgreementWith(ModelEvaluation other) =>
        Predictions.Zip(other.Predictions).Count(p => p.First == p.Second) / (double)Predictions.Length;

    /// <summary>Mean cosine similarity of the two models' outputs, sample by sample.</summary>
    public double MeanCosineSimilarityWith(ModelEvaluation other)
    {
        var total = 0.0;
        var count = Predictions.Length;
        for (var i = 0; i < count; i++)
        {
            var a = Outputs.AsSpan(i * OutputLength, OutputLength);
            var b = other.Outputs.AsSpan(i * OutputLength, OutputLength);
            var normA = TensorPrimitives.Norm(a);
            var normB = TensorPrimitives.Norm(b);
            total += normA == 0 && normB == 0 ? 1.0 : TensorPrimitives.CosineSimilarity(a, b);
        }

        return total / count;
    }

    /// <summary>Largest absolute difference between the two models' outputs.</summary>
    public float MaxAbsoluteDifferenceWith(ModelEvaluation other)
    {
        var difference = new float[Outputs.Length];
        TensorPrimitives.Subtract(Outputs, other.Outputs, difference);
        return Math.Abs(TensorPrimitives.MaxMagnitude<float>(difference));
    }
}
