using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pruning;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.IO;

[TestClass]
public sealed class ModelStorageCodecTests
{
    [TestMethod]
    [DataRow(ModelStorage.Raw, ".onnx")]
    [DataRow(ModelStorage.Brotli, ".onnx.br")]
    public void FileExtensionNamesTheStorage(ModelStorage storage, string extension)
    {
        Assert.AreEqual(extension, ModelStorageCodec.FileExtension(storage));
    }

    [TestMethod]
    [DataRow(ModelStorage.Raw)]
    [DataRow(ModelStorage.Brotli)]
    public void DecodeGivesBackTheModel(ModelStorage storage)
    {
        var model = Mlp().ToByteArray();

        var decoded = ModelStorageCodec.Decode(ModelStorageCodec.Encode(model, storage), storage);

        CollectionAssert.AreEqual(model, decoded);
    }

    [TestMethod]
    public void RawStorageIsTheModelItself()
    {
        var model = Mlp().ToByteArray();

        Assert.AreSame(model, ModelStorageCodec.Encode(model, ModelStorage.Raw));
    }

    [TestMethod]
    public void CorruptOrTruncatedBrotliDataIsInvalidData()
    {
        var encoded = ModelStorageCodec.Encode(Mlp().ToByteArray(), ModelStorage.Brotli);

        Assert.ThrowsExactly<InvalidDataException>(() => ModelStorageCodec.Decode(encoded[..(encoded.Length / 2)], ModelStorage.Brotli));
        Assert.ThrowsExactly<InvalidDataException>(() => ModelStorageCodec.Decode([.. encoded.Select(b => (byte)~b)], ModelStorage.Brotli));
    }

    [TestMethod]
    public void HalfPrunedModelCompressesFarBetterThanTheWholeOne()
    {
        var model = Mlp();
        var here = new SourceLocation("test.edgeml.yaml", 3, 5);
        var step = new PruneStep(here, new Located<double>(0.5, here), PruningScope.Layer, new Dictionary<string, Located<double>>(), PruneStep.DefaultOpTypes, []);
        var (pruned, _) = MagnitudePruner.Apply(model, step);

        var whole = ModelStorageCodec.Encode(model.ToByteArray(), ModelStorage.Brotli).Length;
        var half = ModelStorageCodec.Encode(pruned.ToByteArray(), ModelStorage.Brotli).Length;

        // Random float weights barely compress; half of them as zeros nearly halves the stored size.
        Assert.IsLessThan(0.7 * whole, half);
        Assert.IsLessThan(0.7 * model.CalculateSize(), half);
    }

    private static ModelProto Mlp()
    {
        var builder = new TestModelBuilder();
        var x = builder.Input("x", 128);
        var h = builder.Relu(builder.Gemm(x, 128, 256));
        builder.Output(builder.Gemm(h, 256, 10), 10);
        return builder.Build();
    }
}
