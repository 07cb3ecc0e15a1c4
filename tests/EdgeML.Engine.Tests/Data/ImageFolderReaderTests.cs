using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Data;
using EdgeML.Engine.Data.Images;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Tests.Support;
using static EdgeML.Engine.Tests.Data.ImageTestInputs;

namespace EdgeML.Engine.Tests.Data;

/// <summary>Folders of images read into model inputs: decoding, each preprocessing option, labels, sampling and errors.</summary>
[TestClass]
public sealed class ImageFolderReaderTests
{
    private static readonly SourceLocation DataLine = new("images.edgeml.yaml", 8, 11);
    private TempDirectory folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempDirectory();

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    // Pixel (row, column) of the 2×2 test image: distinct values in every channel.
    private static (byte R, byte G, byte B) Pixel(int y, int x) => ((byte)(10 + (y * 2) + x), (byte)(100 + (y * 2) + x), (byte)(200 + (y * 2) + x));

    [TestMethod]
    public void ChannelsFirstModelsGetScaledRgbPlanes()
    {
        TestImages.Rgb(folder.File("a.png"), 2, 2, Pixel);

        var data = Read(Declared(), Input(3, 2, 2));

        Assert.AreEqual(12, data.FeatureCount);
        AssertClose([10, 11, 12, 13, 100, 101, 102, 103, 200, 201, 202, 203], data.Features, scale: 1 / 255f);
    }

    [TestMethod]
    public void ChannelsLastModelsGetInterleavedPixels()
    {
        TestImages.Rgb(folder.File("a.png"), 2, 2, Pixel);

        var data = Read(Declared(), Input(2, 2, 3));

        AssertClose([10, 100, 200, 11, 101, 201, 12, 102, 202, 13, 103, 203], data.Features, scale: 1 / 255f);
    }

    [TestMethod]
    public void BgrReversesTheChannels()
    {
        TestImages.Rgb(folder.File("a.png"), 2, 2, Pixel);

        var data = Read(Declared() with { Channels = At(ImageChannels.Bgr, 10), Scale = 1 }, Input(2, 2, 3));

        CollectionAssert.AreEqual(new[] { 200f, 100, 10 }, data.Sample(0)[..3].ToArray(), "the first pixel, blue first");
    }

    [TestMethod]
    public void NormalizeSubtractsTheMeanAndDividesByTheStdAfterScaling()
    {
        TestImages.Rgb(folder.File("a.png"), 2, 2, Pixel);
        var declared = Declared() with
        {
            Scale = 0.01f,
            Mean = At<IReadOnlyList<float>>([0.1f, 1f, 2f], 11),
            Std = At<IReadOnlyList<float>>([0.5f, 0.25f, 2f], 12),
        };

        var data = Read(declared, Input(3, 2, 2));

        // (pixel × 0.01 − mean) / std, one plane per channel.
        var expected = new[] { (0.10f - 0.1f) / 0.5f, (0.13f - 0.1f) / 0.5f, (1.00f - 1f) / 0.25f, (1.03f - 1f) / 0.25f, (2.00f - 2f) / 2f, (2.03f - 2f) / 2f };
        var actual = new[] { data.Features[0], data.Features[3], data.Features[4], data.Features[7], data.Features[8], data.Features[11] };
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5f, $"value {i}");
        }
    }

    [TestMethod]
    public void OneMeanAndStdServeEveryChannel()
    {
        TestImages.Rgb(folder.File("a.png"), 2, 2, Pixel);

        var data = Read(Declared() with { Scale = 1, Mean = At<IReadOnlyList<float>>([100f], 11), Std = At<IReadOnlyList<float>>([10f], 12) }, Input(3, 2, 2));

        Assert.AreEqual(-9f, data.Features[0], 1e-5f, "(10 - 100) / 10");
        Assert.AreEqual(10.3f, data.Features[11], 1e-5f, "(203 - 100) / 10");
    }

    [TestMethod]
    public void GrayscaleModelsGetOneChannelOfLuma()
    {
        TestImages.Gray(folder.File("gray.png"), 2, 2, (y, x) => (byte)(50 * ((y * 2) + x)));
        TestImages.Rgb(folder.File("red.png"), 2, 2, (_, _) => (255, 0, 0));

        var data = Read(Declared() with { Scale = 1 }, Input(1, 2, 2));

        Assert.AreEqual(4, data.FeatureCount, "one channel");
        CollectionAssert.AreEqual(new[] { 0f, 50, 100, 150 }, data.Sample(0).ToArray());
        Assert.AreEqual(0.299 * 255, data.Sample(1)[0], 1.5, "a colour image is converted to its luma");
    }

    [TestMethod]
    public void ResizeInterpolatesBilinearlyBetweenPixelCentres()
    {
        TestImages.Gray(folder.File("wide.png"), 1, 2, (_, x) => (byte)(x * 100));
        TestImages.Gray(folder.File("xnarrow.png"), 1, 4, (_, x) => (byte)(x * 40));

        var data = Read(Declared() with { Resize = At(new ImageSize(1, 4), 10), Scale = 1 }, Input(1, 1, 4));
        var shrunk = Read(Declared() with { Resize = At(new ImageSize(1, 2), 10), Scale = 1 }, Input(1, 1, 2));

        // Upsizing 2 → 4: centres at source x = -0.25 (edge), 0.25, 0.75 and 1.25 (edge).
        CollectionAssert.AreEqual(new[] { 0f, 25, 75, 100 }, data.Sample(0).ToArray());
        // Downsizing 4 → 2: centres at source x = 0.5 and 2.5, halfway between neighbours.
        CollectionAssert.AreEqual(new[] { 20f, 100 }, shrunk.Sample(1).ToArray());
    }

    [TestMethod]
    public void CenterCropKeepsTheAspectRatioAndCutsTheMiddleOut()
    {
        TestImages.Gray(folder.File("a.png"), 2, 4, (_, x) => (byte)(10 * (x + 1)));
        var resize = At(new ImageSize(2, 2), 10);

        var cropped = Read(Declared() with { Resize = resize, ResizeMode = ResizeMode.CenterCrop, Scale = 1 }, Input(1, 2, 2));
        var stretched = Read(Declared() with { Resize = resize, Scale = 1 }, Input(1, 2, 2));

        CollectionAssert.AreEqual(new[] { 20f, 30, 20, 30 }, cropped.Features, "the middle two columns at full resolution");
        CollectionAssert.AreEqual(new[] { 15f, 35, 15, 35 }, stretched.Features, "every column squeezed in");
    }

    [TestMethod]
    public void BmpAndJpegAreReadLikePng()
    {
        TestImages.Rgb(folder.File(Path.Combine("bmp", "a.bmp")), 2, 2, Pixel);
        TestImages.Rgb(folder.File(Path.Combine("jpeg", "b.jpg")), 8, 8, (_, _) => (200, 40, 90));

        var bmp = Read(Declared() with { Scale = 1 }, Input(3, 2, 2), path: folder.File("bmp"));
        var jpeg = Read(Declared() with { Scale = 1, Resize = At(new ImageSize(2, 2), 10) }, Input(3, 2, 2), path: folder.File("jpeg"));

        CollectionAssert.AreEqual(new[] { 10f, 11, 12, 13, 100, 101, 102, 103, 200, 201, 202, 203 }, bmp.Features, "BMP is lossless");
        Assert.AreEqual(200, jpeg.Features[0], 3, "JPEG's red, within its loss");
        Assert.AreEqual(40, jpeg.Features[4], 3, "JPEG's green");
        Assert.AreEqual(90, jpeg.Features[8], 3, "JPEG's blue");
    }

    [TestMethod]
    public void OtherAndHiddenFilesAreIgnoredAndNestedImagesRead()
    {
        TestImages.Gray(folder.File("top.png"), 1, 1, (_, _) => 1);
        TestImages.Gray(folder.File(Path.Combine("nested", "deeper", "inner.PNG")), 1, 1, (_, _) => 2);
        File.WriteAllText(folder.File("README.txt"), "not an image");
        File.WriteAllText(folder.File("._top.png"), "macOS metadata, not an image");
        Directory.CreateDirectory(folder.File(".cache"));
        File.WriteAllText(folder.File(Path.Combine(".cache", "x.png")), "not an image either");

        var data = Read(Declared() with { Scale = 1 }, Input(1, 1, 1));

        CollectionAssert.AreEqual(new[] { 2f, 1 }, data.Features, "'nested/…' sorts before 'top.png'");
        Assert.IsNull(data.Labels, "calibration ignores class folders");
    }

    [TestMethod]
    public void ClassFoldersAreLabeledInOrdinalOrder()
    {
        foreach (var (name, value) in new[] { ("b", 2), ("a", 1), ("C", 0) })
        {
            TestImages.Gray(folder.File(Path.Combine(name, "x.png")), 1, 1, (_, _) => (byte)value);
        }

        var data = Read(Declared() with { Scale = 1 }, Input(1, 1, 1), labeled: true);

        CollectionAssert.AreEqual(new[] { 0f, 1, 2 }, data.Features, "'C' < 'a' < 'b' in ordinal order");
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, data.Labels);
    }

    [TestMethod]
    public void TheRecipesLabelsNumberTheClassFolders()
    {
        TestImages.Gray(folder.File(Path.Combine("cat", "1.png")), 1, 1, (_, _) => 1);
        TestImages.Gray(folder.File(Path.Combine("dog", "2.png")), 1, 1, (_, _) => 2);

        var data = Read(Declared(), Input(1, 1, 1), labeled: true, labels: ["dog", "bird", "cat"]);

        CollectionAssert.AreEqual(new[] { 2, 0 }, data.Labels);
    }

    [TestMethod]
    public void AClassFolderOutsideTheLabelsIsAnErrorNamingIt()
    {
        TestImages.Gray(folder.File(Path.Combine("cat", "1.png")), 1, 1, (_, _) => 1);
        TestImages.Gray(folder.File(Path.Combine("tiger", "2.png")), 1, 1, (_, _) => 2);

        var error = ReadError(Declared(), Input(1, 1, 1), labeled: true, labels: ["cat", "dog"]);

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Code);
        Assert.AreEqual(DataLine, error.Location);
        Assert.Contains("'tiger'", error.Message);
        Assert.Contains("cat, dog", error.Message);
    }

    [TestMethod]
    public void LabeledImagesOutsideAClassFolderAreAnError()
    {
        TestImages.Gray(folder.File(Path.Combine("cat", "1.png")), 1, 1, (_, _) => 1);
        TestImages.Gray(folder.File("stray.png"), 1, 1, (_, _) => 2);

        var error = ReadError(Declared(), Input(1, 1, 1), labeled: true);

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Code);
        Assert.Contains("'stray.png'", error.Message);
        Assert.Contains("not in a class folder", error.Message);
    }

    [TestMethod]
    public void SamplingPicksWhatTheOtherReadersPickWhateverTheFileOrder()
    {
        // Written out of order: the reader sorts, so the file system's order never matters.
        foreach (var value in new[] { 7, 2, 9, 0, 5, 1, 8, 3, 6, 4 })
        {
            TestImages.Gray(folder.File($"{value:D2}.png"), 1, 1, (_, _) => (byte)value);
        }

        var all = Read(Declared() with { Scale = 1 }, Input(1, 1, 1));
        var picked = Read(Declared() with { Scale = 1 }, Input(1, 1, 1), samples: 4, seed: 3);

        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(v => (float)v).ToArray(), all.Features);
        CollectionAssert.AreEqual(all.Sample(4, seed: 3).Features, picked.Features);
        CollectionAssert.AreNotEqual(picked.Features, Read(Declared() with { Scale = 1 }, Input(1, 1, 1), samples: 4, seed: 4).Features, "another seed picks others");
    }

    [TestMethod]
    public void ACorruptImageIsAnErrorAtTheFile()
    {
        TestImages.Gray(folder.File("good.png"), 1, 1, (_, _) => 1);
        var corrupt = folder.Write("broken.png", "this is not a PNG");

        var error = ReadError(Declared(), Input(1, 1, 1));

        Assert.AreEqual(DiagnosticCodes.DataMalformed, error.Code);
        Assert.AreEqual(new SourceLocation(corrupt), error.Location);
        Assert.Contains("not a readable image", error.Message);
    }

    [TestMethod]
    public void AnImageOfAnotherSizeWithoutResizeIsAnErrorAtThePreprocessing()
    {
        TestImages.Rgb(folder.File("big.png"), 3, 4, Pixel);

        var error = ReadError(Declared(), Input(3, 2, 2));

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Code);
        Assert.AreEqual(Preprocess, error.Location);
        Assert.Contains("'big.png'", error.Message);
        Assert.Contains("3×4", error.Message);
        Assert.Contains("add 'resize: [2, 2]'", error.Message);
    }

    [TestMethod]
    public void AFolderWithoutImagesIsEmpty()
    {
        File.WriteAllText(folder.File("notes.txt"), "no images here");

        var error = ReadError(Declared(), Input(1, 1, 1));

        Assert.AreEqual(DiagnosticCodes.DataEmpty, error.Code);
        Assert.AreEqual(DataLine, error.Location);
    }

    private static void AssertClose(float[] expected, float[] actual, float scale)
    {
        Assert.HasCount(expected.Length, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i] * scale, actual[i], 1e-6f, $"value {i}");
        }
    }

    private LabeledDataset Read(ImagePreprocessing declared, TensorSignature input, bool labeled = false, IReadOnlyList<string>? labels = null, int? samples = null, int seed = 0, string? path = null) =>
        ImageFolderReader.Read(path ?? folder.Path, ImageTransform.Resolve(declared, input), labeled, labels, samples, seed, DataLine);

    private Diagnostic ReadError(ImagePreprocessing declared, TensorSignature input, bool labeled = false, IReadOnlyList<string>? labels = null) =>
        Assert.ThrowsExactly<EdgeMLException>(() => Read(declared, input, labeled, labels)).Diagnostic;
}
