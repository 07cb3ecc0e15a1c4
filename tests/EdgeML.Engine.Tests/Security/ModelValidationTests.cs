using EdgeML.Engine.Pipeline;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Security;

[TestClass]
public sealed class ModelValidationTests
{
    [TestMethod]
    public void AModelMatchesItsOwnGoldenSamplesExactly()
    {
        var model = SecurityModels.Mlp();
        var manifest = ModelManifestBuilder.Build(model, "mlp", null, SecurityModels.Data());
        using var session = EdgeMLSession.FromBytes(model);

        var result = EdgeMLValidation.Validate(session, manifest);

        Assert.AreEqual(ModelManifestBuilder.DefaultGoldenSamples, result.Samples);
        Assert.AreEqual(0d, result.MaxAbsoluteDeviation);
        Assert.AreEqual(0d, result.OutputDeviations["scores_output"]);
        Assert.IsTrue(result.Passed(tolerance: 0));
    }

    [TestMethod]
    public void ReportsHowFarAPerturbedGoldenOutputIs()
    {
        var model = SecurityModels.Mlp();
        var manifest = Perturb(ModelManifestBuilder.Build(model, "mlp", null, SecurityModels.Data()), sample: 5, value: 1, by: 0.25f);
        using var session = EdgeMLSession.FromBytes(model);

        var result = EdgeMLValidation.Validate(session, manifest);

        Assert.AreEqual(0.25, result.MaxAbsoluteDeviation, 1e-6);
        Assert.AreEqual(result.MaxAbsoluteDeviation, result.OutputDeviations["scores_output"]);
        Assert.IsFalse(result.Passed(tolerance: 0.1));
        Assert.IsTrue(result.Passed(tolerance: 0.3));
    }

    [TestMethod]
    public void AnotherModelDeviates()
    {
        var manifest = ModelManifestBuilder.Build(SecurityModels.Mlp(seed: 1), "mlp", null, SecurityModels.Data());
        using var session = EdgeMLSession.FromBytes(SecurityModels.Mlp(seed: 2));

        Assert.IsGreaterThan(0.01, EdgeMLValidation.Validate(session, manifest).MaxAbsoluteDeviation);
    }

    [TestMethod]
    public void AManifestOfAnotherSignatureIsAnIntegrityError()
    {
        var manifest = ModelManifestBuilder.Build(SecurityModels.Mlp(), "mlp", null, SecurityModels.Data());
        var renamed = new EdgeMLModelManifest(1, "mlp", manifest.ModelSha256, null, "1",
            [new EdgeMLGoldenSample([Rename(manifest.GoldenSamples[0].Inputs[0], "pixels")], manifest.GoldenSamples[0].Outputs)]);
        using var session = EdgeMLSession.FromBytes(SecurityModels.Mlp());

        var error = Assert.ThrowsExactly<EdgeMLIntegrityException>(() => EdgeMLValidation.Validate(session, renamed));

        Assert.Contains("no value for the model input 'features'", error.Message);
    }

    private static EdgeMLTensorData Rename(EdgeMLTensorData tensor, string name) => new(name, tensor.Shape, tensor.Data);

    private static EdgeMLModelManifest Perturb(EdgeMLModelManifest manifest, int sample, int value, float by)
    {
        var samples = manifest.GoldenSamples.ToArray();
        var output = samples[sample].Outputs[0];
        var data = output.Data.ToArray();
        data[value] += by;
        samples[sample] = new EdgeMLGoldenSample(samples[sample].Inputs, [new EdgeMLTensorData(output.Name, output.Shape, data)]);
        return new EdgeMLModelManifest(manifest.FormatVersion, manifest.RecipeId, manifest.ModelSha256, manifest.ModelVersion, manifest.EngineVersion, samples);
    }
}
