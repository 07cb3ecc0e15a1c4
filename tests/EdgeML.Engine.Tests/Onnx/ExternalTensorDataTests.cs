using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using EdgeML.Engine.Tests.Traits;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Onnx;

[TestClass]
public sealed class ExternalTensorDataTests
{
    private static readonly SourceLocation ModelLine = new("model.edgeml.yaml", 1, 8);

    [TestMethod]
    public void ExternalDataIsReadIntoASelfContainedModelThatComputesTheSame()
    {
        using var temp = new TempDirectory();
        var path = WriteModel(temp, model => TraitTransforms.MoveDataToExternalFile(model, ModelFolder(temp), "weights.bin"));

        var loaded = OnnxModelFile.Read(path, ModelLine);

        CollectionAssert.AreEqual(new[] { Path.Combine(ModelFolder(temp), "weights.bin") }, loaded.ExternalDataFiles.ToArray());
        var reparsed = ModelProto.Parser.ParseFrom(loaded.Bytes);
        Assert.IsFalse(reparsed.Graph.Initializer.Any(t => t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0));
        var input = RandomData.Normal(4 * 16);
        var fromFile = RunFromPath(path, input);
        CollectionAssert.AreEqual(fromFile, TraitRunner.Run(loaded.Bytes, input, [4, 16]));
    }

    [TestMethod]
    public void AModelWithoutExternalDataKeepsItsOwnBytes()
    {
        using var temp = new TempDirectory();
        var path = WriteModel(temp, _ => { });

        var loaded = OnnxModelFile.Read(path);

        Assert.IsEmpty(loaded.ExternalDataFiles);
        CollectionAssert.AreEqual(File.ReadAllBytes(path), loaded.Bytes);
    }

    [TestMethod]
    [DataRow("missing.bin", 0, 256, "does not exist beside the model")]
    [DataRow("../outside.bin", 0, 256, "points outside the model's folder")]
    [DataRow("weights.bin", 0, 1 << 20, "reach beyond the end of 'weights.bin'")]
    [DataRow("weights.bin", 1 << 20, 4, "reach beyond the end of 'weights.bin'")]
    public void UnreadableExternalDataIsAnErrorAtTheModelLine(string location, int offset, int length, string why)
    {
        using var temp = new TempDirectory();
        var path = WriteModel(temp, model =>
        {
            TraitTransforms.MoveDataToExternalFile(model, ModelFolder(temp), "weights.bin");
            TraitTransforms.SetExternal(model.Graph.Initializer[0], location, offset, length);
        });
        File.WriteAllBytes(temp.File("outside.bin"), new byte[1024]);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => OnnxModelFile.Read(path, ModelLine));

        Assert.AreEqual(DiagnosticCodes.ModelExternalDataInvalid, error.Diagnostic.Code);
        Assert.AreEqual(ModelLine, error.Diagnostic.Location);
        StringAssert.Contains(error.Message, $"tensor '{TensorName}'");
        StringAssert.Contains(error.Message, why);
    }

    [TestMethod]
    public void TheCacheKeyChangesWithTheExternalData()
    {
        using var temp = new TempDirectory();
        var path = WriteModel(temp, model => TraitTransforms.MoveDataToExternalFile(model, ModelFolder(temp), "weights.bin"));
        var recipePath = temp.Write("model.edgeml.yaml", "model: model.onnx\n");
        var recipe = new Recipe(recipePath, new Located<string>(path, ModelLine), null, null, null, [], null, new GateSpec(null, null, null, null));
        var dataFiles = OnnxModelFile.Read(path).ExternalDataFiles;
        var before = OptimizationCache.ComputeKey(recipe, dataFiles);

        using (var data = File.OpenWrite(Path.Combine(ModelFolder(temp), "weights.bin")))
        {
            data.WriteByte(0x7f);
        }

        Assert.AreNotEqual(before, OptimizationCache.ComputeKey(recipe, dataFiles));
        Assert.AreEqual(OptimizationCache.ComputeKey(recipe, dataFiles), OptimizationCache.ComputeKey(recipe, dataFiles));
    }

    private const string TensorName = "fc1.weight";

    private static string WriteModel(TempDirectory temp, Action<ModelProto> trait)
    {
        var builder = new TestModelBuilder(opset: 13);
        var x = builder.Input("x", 16);
        builder.Output(builder.Gemm(builder.Relu(builder.Gemm(x, 16, 8, "fc1")), 8, 3, "fc2"), 3);
        var model = builder.Build();
        trait(model);
        var path = Path.Combine(ModelFolder(temp), "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    // The model gets a folder of its own, so that a file beside that folder is outside it.
    private static string ModelFolder(TempDirectory temp) => Directory.CreateDirectory(temp.File("model")).FullName;

    // ONNX Runtime resolves external data itself when it loads a model from its path: the reference result.
    private static float[] RunFromPath(string path, float[] input)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, [4, 16]);
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var results = session.Run(runOptions, ["x"], [value], [session.OutputMetadata.Keys.First()]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
