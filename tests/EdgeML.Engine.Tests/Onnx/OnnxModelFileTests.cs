using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Onnx;

[TestClass]
public sealed class OnnxModelFileTests
{
    [TestMethod]
    public void AnUntouchedModelRoundTripsByteForByte()
    {
        var original = File.ReadAllBytes(SampleModels.DigitsModel);

        var rewritten = OnnxModelFile.Parse(original, "digits.onnx").ToByteArray();

        CollectionAssert.AreEqual(original, rewritten);
    }

    [TestMethod]
    public void FieldsTheSchemaDoesNotKnowSurviveARoundTrip()
    {
        var model = new TestModelBuilder().Build();
        model.Graph.Input.Add(new ValueInfoProto { Name = "x" });
        var known = model.ToByteArray();
        // Field 99 (varint 42) on the model, as a newer IR version might add.
        byte[] unknownField = [.. known, (99 << 3) & 0x7F | 0x80, 99 >> 4, 42];

        var rewritten = OnnxModelFile.Parse(unknownField, "future.onnx").ToByteArray();

        CollectionAssert.AreEqual(unknownField, rewritten);
    }

    [TestMethod]
    public void SavedModelsAreWrittenCompletelyOrNotAtAll()
    {
        using var temp = new TempDirectory();
        var path = temp.File("model.onnx");
        var model = OnnxModelFile.Load(SampleModels.DigitsModel);

        OnnxModelFile.Save(model, path);

        CollectionAssert.AreEqual(File.ReadAllBytes(SampleModels.DigitsModel), File.ReadAllBytes(path));
        Assert.HasCount(1, Directory.GetFiles(temp.Path), "no temporary file is left behind");
    }

    [TestMethod]
    [DataRow(new byte[] { 0x0A, 0xFF, 0xFF })]
    [DataRow(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00 })]
    [DataRow(new byte[0])]
    public void CorruptBytesAreAnUnreadableModelError(byte[] bytes)
    {
        var error = Assert.ThrowsExactly<EdgeMLException>(() => OnnxModelFile.Parse(bytes, "broken.onnx"));

        Assert.AreEqual(DiagnosticCodes.ModelUnreadable, error.Diagnostic.Code);
        StringAssert.Contains(error.Message, "broken.onnx");
    }

    [TestMethod]
    public void AMissingFileIsAnUnreadableModelErrorAtTheRecipeLine()
    {
        var recipeLine = new SourceLocation("digits.edgeml.yaml", 2, 8);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => OnnxModelFile.Load("/no/such/model.onnx", recipeLine));

        Assert.AreEqual(DiagnosticCodes.ModelUnreadable, error.Diagnostic.Code);
        Assert.AreEqual(recipeLine, error.Diagnostic.Location);
    }
}
