using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Support;

/// <summary>How closely a rewritten model follows the original on seeded uniform inputs in [-1, 1].</summary>
internal static class ModelSimilarity
{
    public static double MeanCosine(ModelProto original, ModelProto rewritten, int features)
    {
        var here = new SourceLocation("test.edgeml.yaml", 3, 5);
        var data = RandomData.Uniform(64, features, seed: 11, min: -1f);
        using var before = ModelRunner.Create(original.ToByteArray(), "original");
        using var after = ModelRunner.Create(rewritten.ToByteArray(), "rewritten");
        return ModelEvaluation.Run(after, data, here).MeanCosineSimilarityWith(ModelEvaluation.Run(before, data, here));
    }
}
