using System.Text;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Tests.Support;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Security;

[TestClass]
public sealed class ModelManifestTests
{
    [TestMethod]
    public void BuildsGoldenSamplesFromTheFirstValidationSamples()
    {
        var data = SecurityModels.Data(samples: 12);

        var manifest = ModelManifestBuilder.Build(SecurityModels.Mlp(), "mlp", "3", data);

        Assert.HasCount(ModelManifestBuilder.DefaultGoldenSamples, manifest.GoldenSamples);
        var first = manifest.GoldenSamples[0];
        Assert.AreEqual("features", first.Inputs.Single().Name);
        CollectionAssert.AreEqual(new long[] { 1, SecurityModels.Features }, first.Inputs[0].Shape.ToArray());
        CollectionAssert.AreEqual(data.Sample(0).ToArray(), first.Inputs[0].Data.ToArray());
        Assert.AreEqual("scores_output", first.Outputs.Single().Name);
        CollectionAssert.AreEqual(new long[] { 1, 3 }, first.Outputs[0].Shape.ToArray());
        Assert.AreEqual("3", manifest.ModelVersion);
        Assert.AreEqual(EngineInfo.Version, manifest.EngineVersion);
    }

    [TestMethod]
    public void RecordsNoGoldenSamplesWithoutData()
    {
        var manifest = ModelManifestBuilder.Build(SecurityModels.Mlp(), "mlp", modelVersion: null, data: null);

        Assert.IsEmpty(manifest.GoldenSamples);
        Assert.IsNull(manifest.ModelVersion);
    }

    [TestMethod]
    public void RejectsDataThatDoesNotFitTheModel()
    {
        var error = Assert.ThrowsExactly<EdgeMLException>(() => ModelManifestBuilder.Build(SecurityModels.Mlp(), "mlp", null, RandomData.Uniform(4, 5)));

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Diagnostic.Code);
    }

    [TestMethod]
    public void RoundTripsThroughCompactJson()
    {
        var manifest = ModelManifestBuilder.Build(SecurityModels.Mlp(), "mlp", "1.2", SecurityModels.Data(3));

        var json = manifest.ToJson();
        var parsed = EdgeMLModelManifest.Parse(json);

        CollectionAssert.AreEqual(json, parsed.ToJson());
        Assert.AreEqual(manifest.ModelSha256, parsed.ModelSha256);
        Assert.AreEqual("mlp", parsed.RecipeId);
        Assert.HasCount(3, parsed.GoldenSamples);
        CollectionAssert.AreEqual(manifest.GoldenSamples[2].Outputs[0].Data.ToArray(), parsed.GoldenSamples[2].Outputs[0].Data.ToArray());
        var text = Encoding.UTF8.GetString(json);
        Assert.DoesNotContain("\n", text);
        Assert.StartsWith("{\"formatVersion\":1,\"recipeId\":\"mlp\"", text);
    }

    [TestMethod]
    public void AcceptsTheModelItDescribes()
    {
        var model = SecurityModels.Mlp();

        ModelManifestBuilder.Build(model, "mlp", null, null).VerifyIntegrity(model);
    }

    [TestMethod]
    public void RejectsAnAlteredModelNamingBothHashes()
    {
        var model = SecurityModels.Mlp();
        var manifest = ModelManifestBuilder.Build(model, "mlp", null, null);
        var altered = (byte[])model.Clone();
        altered[^1] ^= 1;

        var error = Assert.ThrowsExactly<EdgeMLIntegrityException>(() => manifest.VerifyIntegrity(altered));

        Assert.Contains("'mlp'", error.Message);
        Assert.Contains(manifest.ModelSha256, error.Message);
        Assert.Contains(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(altered)).ToLowerInvariant(), error.Message);
    }

    [TestMethod]
    [DataRow("not json")]
    [DataRow("{\"formatVersion\":2,\"recipeId\":\"m\",\"modelSha256\":\"00\",\"engineVersion\":\"1\",\"goldenSamples\":[]}")]
    [DataRow("{\"formatVersion\":1,\"modelSha256\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"engineVersion\":\"1\",\"goldenSamples\":[]}")]
    [DataRow("{\"formatVersion\":1,\"recipeId\":\"m\",\"modelSha256\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"engineVersion\":\"1\",\"goldenSamples\":[{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"data\":[1]}],\"outputs\":[]}]}")]
    public void RejectsInvalidManifests(string json)
    {
        Assert.ThrowsExactly<InvalidDataException>(() => EdgeMLModelManifest.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [TestMethod]
    public void FindsTheManifestBesideTheModelResource()
    {
        Assert.AreEqual("EdgeML/digits.manifest.json", EdgeMLModelManifest.ResourceNameFor(InferenceClassEmitter.ResourceName("digits")));
        Assert.IsNull(EdgeMLModelManifest.FromEmbeddedResource(typeof(ModelManifestTests).Assembly, "EdgeML/digits.onnx"));
    }
}
