using EdgeML.Engine.Data.Images;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;
using static EdgeML.Engine.Tests.Data.ImageTestInputs;

namespace EdgeML.Engine.Tests.Data;

/// <summary>Preprocessing defaults taken from the model input, and recipes that contradict it.</summary>
[TestClass]
public sealed class ImageTransformTests
{
    [TestMethod]
    public void ChannelsFirstRgbInputsGiveNchwRgbAtTheirSize()
    {
        var transform = ImageTransform.Resolve(Declared(), Input(3, 224, 192));

        Assert.AreEqual(ImageLayout.Nchw, transform.Layout);
        Assert.AreEqual(ImageChannels.Rgb, transform.Channels);
        Assert.AreEqual(new ImageSize(224, 192), transform.Size);
        Assert.IsFalse(transform.Resizes);
        Assert.AreEqual(1f / 255, transform.Scale);
        CollectionAssert.AreEqual(new[] { 0f, 0, 0 }, transform.Mean);
        CollectionAssert.AreEqual(new[] { 1f, 1, 1 }, transform.Std);
    }

    [TestMethod]
    public void ChannelsLastInputsGiveNhwc()
    {
        var transform = ImageTransform.Resolve(Declared(), Input(32, 48, 3));

        Assert.AreEqual(ImageLayout.Nhwc, transform.Layout);
        Assert.AreEqual(new ImageSize(32, 48), transform.Size);
    }

    [TestMethod]
    public void OneChannelInputsGiveGrayscale()
    {
        var transform = ImageTransform.Resolve(Declared(), Input(1, 28, 28));

        Assert.AreEqual(ImageChannels.Grayscale, transform.Channels);
        Assert.AreEqual(784, transform.SampleLength);
    }

    [TestMethod]
    public void FlatInputsTakeTheResizeSizeWhenTheCountsAgree()
    {
        var transform = ImageTransform.Resolve(Declared() with { Resize = At(new ImageSize(28, 28), 10), Channels = At(ImageChannels.Grayscale, 11) }, Input(784));

        Assert.AreEqual(784, transform.SampleLength);
    }

    [TestMethod]
    public void FlatInputsOfAnotherCountAreAnError()
    {
        var error = Error(Declared() with { Resize = At(new ImageSize(28, 28), 10) }, Input(784));

        Assert.AreEqual(Preprocess, error.Location);
        Assert.Contains("rgb images of 28×28 give 2352 values", error.Message);
        Assert.Contains("takes 784 per sample", error.Message);
    }

    [TestMethod]
    public void GrayscaleForAThreeChannelModelIsAnErrorAtChannels()
    {
        var error = Error(Declared() with { Channels = At(ImageChannels.Grayscale, 11) }, Input(3, 8, 8));

        Assert.AreEqual(At(0, 11).Location, error.Location);
        Assert.Contains("'channels: grayscale' gives 1 channel", error.Message);
        Assert.Contains("'image' [N, 3, 8, 8] takes 3", error.Message);
    }

    [TestMethod]
    public void ALayoutThatPutsNoImageChannelsAtTheChannelAxisIsAnErrorAtLayout()
    {
        var error = Error(Declared() with { Layout = At(ImageLayout.Nhwc, 12) }, Input(3, 8, 8));

        Assert.AreEqual(At(0, 12).Location, error.Location);
        Assert.Contains("has 8 at the channel axis of nhwc", error.Message);
    }

    [TestMethod]
    public void AModelWithFourChannelsIsAnError()
    {
        var error = Error(Declared(), Input(4, 8, 8));

        Assert.AreEqual(Preprocess, error.Location);
        Assert.Contains("has 4 at the channel axis of nchw", error.Message);
    }

    [TestMethod]
    public void AResizeOtherThanTheModelsFixedSizeIsAnErrorAtResize()
    {
        var error = Error(Declared() with { Resize = At(new ImageSize(32, 32), 10) }, Input(3, 28, 28));

        Assert.AreEqual(At(0, 10).Location, error.Location);
        Assert.Contains("takes 28×28 images", error.Message);
    }

    [TestMethod]
    public void ADynamicSizeNeedsResize()
    {
        var error = Error(Declared(), Input(3, null, null));

        Assert.AreEqual(Preprocess, error.Location);
        Assert.Contains("add 'resize: [height, width]'", error.Message);
        Assert.AreEqual(new ImageSize(64, 48), ImageTransform.Resolve(Declared() with { Resize = At(new ImageSize(64, 48), 10) }, Input(3, null, null)).Size);
    }

    [TestMethod]
    public void NormalizeNeedsOneValueOrOnePerChannel()
    {
        var error = Error(Declared() with { Mean = At<IReadOnlyList<float>>([0.5f, 0.5f, 0.5f], 13) }, Input(1, 8, 8));

        Assert.AreEqual(At(0, 13).Location, error.Location);
        Assert.Contains("1 channel to normalize, but 3 values", error.Message);
    }

    private static Diagnostic Error(ImagePreprocessing declared, EdgeML.Engine.CodeGen.TensorSignature input)
    {
        var error = Assert.ThrowsExactly<EdgeMLException>(() => ImageTransform.Resolve(declared, input)).Diagnostic;
        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Code);
        return error;
    }
}
