using EdgeML.Engine.Data;
using System.Security.Cryptography;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Security;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.CodeGen;

/// <summary>The generated class's members beyond Predict: batches, failures reported, warm-up and self-test.</summary>
[TestClass]
public sealed class GeneratedMembersTests
{
    private static readonly float[] TwoSamples = [0.3f, -1.2f, 2.5f, 0.7f, -0.4f, 1.1f, 0.05f, 3.2f];

    [TestMethod]
    public void PredictBatchMatchesOnePredictPerSample()
    {
        var model = TestModels.Classifier();
        var expected = DirectRun.Outputs(model, DirectRun.Tensor(TwoSamples, 2, 4))[0];

        var batch = (ClassPrediction[])GeneratedModel.Run(model, TestModels.ClassifierLabels, "return model.PredictBatch((float[])inputs[0]);", TwoSamples);
        var single = (ClassPrediction)GeneratedModel.Run(model, TestModels.ClassifierLabels, "return model.Predict(((float[])inputs[0])[4..]);", TwoSamples);

        Assert.HasCount(2, batch);
        CollectionAssert.AreEqual(expected, batch.SelectMany(p => p.Scores).ToArray());
        CollectionAssert.AreEqual(single.Scores.ToArray(), batch[1].Scores.ToArray());
    }

    [TestMethod]
    public void TryPredictReportsABadInputInsteadOfThrowing()
    {
        var model = TestModels.Classifier();

        var outcome = (string)GeneratedModel.Run(model, TestModels.ClassifierLabels, """
            var ok = model.TryPredict(new float[3], out var result, out var error);
            var good = model.TryPredict((float[])inputs[0], out var prediction, out var none);
            return $"{ok} {result is null} {error?.GetType().Name} {good} {prediction?.Label is not null} {none is null}";
            """, TwoSamples[..4]);

        Assert.AreEqual("False True ArgumentException True True True", outcome);
    }

    [TestMethod]
    public void WarmupRunsAndTheProviderIsNamed()
    {
        var provider = (string)GeneratedModel.Run(TestModels.Classifier(), labels: null, "model.Warmup(); return model.ExecutionProvider;");

        Assert.AreEqual("Cpu", provider);
    }

    [TestMethod]
    public void ValidateReplaysTheManifestsGoldenSamples()
    {
        var model = TestModels.Classifier();
        var data = new LabeledDataset("golden", TwoSamples, 4, labels: null);
        var manifest = ModelManifestBuilder.Build(model.Bytes(), "test", modelVersion: "2", data).ToJson();

        var deviation = (double)GeneratedModel.Run(model, labels: null, "return model.Validate().MaxAbsoluteDeviation;",
            [(EdgeMLModelManifest.ResourceNameFor("EdgeML/test.onnx"), manifest)]);

        Assert.AreEqual(0.0, deviation);
    }

    [TestMethod]
    public void ATamperedModelIsRejectedAtCreate()
    {
        var model = TestModels.Classifier();
        var otherModel = TestModels.SoftmaxClassifier();
        var manifestOfAnotherModel = ModelManifestBuilder.Build(otherModel.Bytes(), "test", modelVersion: null, data: null).ToJson();

        var error = Assert.Throws<Exception>(() => GeneratedModel.Run(model, labels: null, "return model;",
            [(EdgeMLModelManifest.ResourceNameFor("EdgeML/test.onnx"), manifestOfAnotherModel)]));

        var integrity = error as EdgeMLIntegrityException ?? error.InnerException as EdgeMLIntegrityException;
        Assert.IsNotNull(integrity, error.ToString());
        StringAssert.Contains(integrity.Message, "does not match its manifest");
    }

    [TestMethod]
    public void AnUpdateLoadsOnlyOnceSignedAndNewer()
    {
        var embedded = TestModels.Classifier();
        var update = TestModels.SoftmaxClassifier();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var package = ModelUpdateSigner.Sign(update.Bytes(), "test", version: 2, key);
        var expected = DirectRun.Outputs(update, DirectRun.Tensor(TwoSamples[..4], 1, 4))[0];

        var outcome = (string)GeneratedModel.Run(embedded, labels: null, $$"""
            var package = (byte[])inputs[0];
            using var key = global::System.Security.Cryptography.ECDsa.Create();
            key.ImportSubjectPublicKeyInfo((byte[])inputs[1], out _);
            var versions = new global::EdgeML.Runtime.InMemoryModelVersionStore();
            using var updated = global::Sample.Models.TestModel.CreateFromUpdate(package, key, versions);
            var scores = updated.Predict((float[])inputs[2]);
            try
            {
                global::Sample.Models.TestModel.CreateFromUpdate(package, key, versions).Dispose();
                return "replayed";
            }
            catch (global::EdgeML.Runtime.EdgeMLUpdateRejectedException)
            {
                return string.Join(" ", scores);
            }
            """, package, key.ExportSubjectPublicKeyInfo(), TwoSamples[..4]);

        Assert.AreEqual(string.Join(" ", (float[])expected), outcome, "runs the update, and refuses the same version again");
    }
}
