using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Support;

/// <summary>How closely a rewritten model follows the original on seeded uniform inputs in [-1, 1].</summary>
internal static class ModelSimilarity
{
    private static readonly SourceLocation Here = new("test.edgeml.yaml", 3, 5);

    public static double MeanCosine(ModelProto original, ModelProto rewritten, int features)
    {
        var (before, after) = Evaluate(original, rewritten, RandomData.Uniform(64, features, seed: 11, min: -1f));
        return after.MeanCosineSimilarityWith(before);
    }

    /// <summary>The mean squared difference between the two models' first outputs on <paramref name="data"/>.</summary>
    public static double MeanSquaredError(ModelProto original, ModelProto rewritten, LabeledDataset data)
    {
        var (before, after) = Evaluate(original, rewritten, data);
        return before.Outputs.Zip(after.Outputs, (a, b) => (double)(a - b) * (a - b)).Average();
    }

    private static (ModelEvaluation Before, ModelEvaluation After) Evaluate(ModelProto original, ModelProto rewritten, LabeledDataset data)
    {
        using var before = ModelRunner.Create(original.ToByteArray(), "original");
        using var after = ModelRunner.Create(rewritten.ToByteArray(), "rewritten");
        return (ModelEvaluation.Run(before, data, Here), ModelEvaluation.Run(after, data, Here));
    }
}
