using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Data;

/// <summary>Calibration and validation data as NumPy .npy and .npz arrays, read through <see cref="DatasetReader"/>.</summary>
[TestClass]
public sealed class ArrayDatasetTests
{
    private static readonly SourceLocation Recipe = new("digits.edgeml.yaml", 7, 11);
    private TempDirectory folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempDirectory();

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    [TestMethod]
    public void Float32MatrixIsOneSamplePerRow()
    {
        var data = Read("calib.npy", NpyWriter.Floats([3, 2], 1, 2, 3, 4, 5, 6.5f));

        Assert.AreEqual(3, data.Count);
        Assert.AreEqual(2, data.FeatureCount);
        CollectionAssert.AreEqual(new[] { 1f, 2, 3, 4, 5, 6.5f }, data.Features);
        Assert.IsNull(data.Labels);
    }

    [TestMethod]
    public void TrailingDimensionsAreFlattenedRowMajor()
    {
        var data = Read("images.npy", NpyWriter.Array("|u1", [2, 2, 3], [.. Enumerable.Range(0, 12).Select(i => (byte)(i * 20))]));

        Assert.AreEqual(2, data.Count);
        Assert.AreEqual(6, data.FeatureCount);
        Assert.AreEqual(220f, data.Sample(1)[5]);
    }

    [TestMethod]
    public void Float64AndVersion2HeadersAreRead()
    {
        var npy = NpyWriter.Array("<f8", [2], [.. BitConverter.GetBytes(0.25), .. BitConverter.GetBytes(-1.5)], major: 2);

        var data = Read("values.npy", npy);

        CollectionAssert.AreEqual(new[] { 0.25f, -1.5f }, data.Features);
        Assert.AreEqual(1, data.FeatureCount, "a 1-D array has one value per sample");
    }

    [TestMethod]
    [DataRow("x", "y")]
    [DataRow("input", "labels")]
    public void ArchiveHoldsSamplesAndLabels(string features, string labels)
    {
        var path = folder.File("test.npz");
        NpyWriter.WriteArchive(path, (features, NpyWriter.Doubles([2, 3], 1, 2, 3, 4, 5, 6)), (labels, NpyWriter.Int64s([2], 2, 0)));

        var data = DatasetReader.Read(path, "label", labelRequired: true, null, ["a", "b", "c"], Recipe);

        Assert.AreEqual(3, data.FeatureCount);
        CollectionAssert.AreEqual(new[] { 2, 0 }, data.Labels);
        CollectionAssert.AreEqual(new[] { 4f, 5, 6 }, data.Sample(1).ToArray());
    }

    [TestMethod]
    public void CsvStaysTheDefault()
    {
        var path = folder.Write("test.csv", "a,b,label\n1,2,0\n");

        var data = DatasetReader.Read(path, "label", labelRequired: true, null, null, Recipe);

        CollectionAssert.AreEqual(new[] { 1f, 2 }, data.Features);
        CollectionAssert.AreEqual(new[] { 0 }, data.Labels);
    }

    [TestMethod]
    [DataRow(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'X', 1, 0 }, "magic string", DisplayName = "bad magic")]
    [DataRow(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 9, 0, 0, 0 }, "version 9.0 is unknown", DisplayName = "unknown version")]
    [DataRow(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 200, 0, (byte)'{' }, "ends inside the header", DisplayName = "truncated header")]
    public void MalformedPreambleIsAnErrorAtTheFile(byte[] npy, string reason) =>
        AssertMalformed(npy, reason);

    [TestMethod]
    [DataRow("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "Fortran order", DisplayName = "fortran order")]
    [DataRow("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", "element type '>f4' is not supported", DisplayName = "big endian")]
    [DataRow("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", "element type '<c8' is not supported", DisplayName = "complex")]
    [DataRow("{'descr': '<f4', 'fortran_order': False, }", "needs 'descr', 'fortran_order' and 'shape'", DisplayName = "no shape")]
    [DataRow("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", "is not a tuple of sizes", DisplayName = "bad shape")]
    [DataRow("['descr', '<f4']", "not a Python dict", DisplayName = "not a dict")]
    public void MalformedHeaderIsAnErrorAtTheFile(string header, string reason) =>
        AssertMalformed(NpyWriter.Array("<f4", [2, 2], new byte[16], header: header), reason);

    [TestMethod]
    public void TruncatedDataIsAnErrorAtTheFile() =>
        AssertMalformed(NpyWriter.Array("<f4", [2, 2], new byte[10]), "ends inside the data (10 of 16 bytes)");

    [TestMethod]
    public void NonFiniteValuesAreMalformed() =>
        AssertMalformed(NpyWriter.Floats([2, 1], 1, float.NaN), "not a finite float in sample 1");

    [TestMethod]
    public void ArchiveWithoutSamplesIsMalformed()
    {
        var path = folder.File("test.npz");
        NpyWriter.WriteArchive(path, ("y", NpyWriter.Floats([1], 1)));

        var error = Assert.ThrowsExactly<EdgeMLException>(() => DatasetReader.Read(path, null, labelRequired: false, null, null, Recipe));

        Assert.AreEqual(DiagnosticCodes.DataMalformed, error.Diagnostic.Code);
        StringAssert.Contains(error.Message, "no array with samples: 'x' (or 'input'), or one array per model input");
    }

    [TestMethod]
    public void BrokenArchiveEntryNamesTheEntry()
    {
        var path = folder.File("test.npz");
        NpyWriter.WriteArchive(path, ("x", NpyWriter.Array("<f4", [2], new byte[3])));

        var error = Assert.ThrowsExactly<EdgeMLException>(() => DatasetReader.Read(path, null, labelRequired: false, null, null, Recipe));

        Assert.AreEqual(DiagnosticCodes.DataMalformed, error.Diagnostic.Code);
        Assert.AreEqual(new SourceLocation(path), error.Diagnostic.Location);
        StringAssert.Contains(error.Message, $"'x.npy' in '{path}'");
    }

    [TestMethod]
    public void NotAZipIsMalformed()
    {
        var path = folder.Write("test.npz", "not a zip");

        var error = Assert.ThrowsExactly<EdgeMLException>(() => DatasetReader.Read(path, null, labelRequired: false, null, null, Recipe));

        Assert.AreEqual(DiagnosticCodes.DataMalformed, error.Diagnostic.Code);
    }

    [TestMethod]
    public void LabelsOfAnotherLengthAreAMismatch()
    {
        var path = folder.File("test.npz");
        NpyWriter.WriteArchive(path, ("x", NpyWriter.Floats([2, 1], 1, 2)), ("y", NpyWriter.Int64s([3], 0, 1, 0)));

        var error = Assert.ThrowsExactly<EdgeMLException>(() => DatasetReader.Read(path, "label", labelRequired: true, null, null, Recipe));

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Diagnostic.Code);
        StringAssert.Contains(error.Message, "labels of shape (3); expected one per sample, (2)");
    }

    [TestMethod]
    public void LabelOutOfTheRecipesLabelsIsAMismatch()
    {
        var path = folder.File("test.npz");
        NpyWriter.WriteArchive(path, ("x", NpyWriter.Floats([2, 1], 1, 2)), ("y", NpyWriter.Int64s([2], 0, 5)));

        var error = Assert.ThrowsExactly<EdgeMLException>(() => DatasetReader.Read(path, "label", labelRequired: true, null, ["a", "b"], Recipe));

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Diagnostic.Code);
        StringAssert.Contains(error.Message, "label 5 of sample 1");
    }

    [TestMethod]
    public void ValidationNeedsLabelsThatNpyCannotHold()
    {
        var path = folder.File("test.npy");
        File.WriteAllBytes(path, NpyWriter.Floats([1, 1], 1));

        var error = Assert.ThrowsExactly<EdgeMLException>(() => DatasetReader.Read(path, "label", labelRequired: true, null, null, Recipe));

        Assert.AreEqual(DiagnosticCodes.DataMismatch, error.Diagnostic.Code);
        Assert.AreEqual(Recipe, error.Diagnostic.Location);
    }

    [TestMethod]
    public void EmptyArrayHasNoSamples()
    {
        var error = Assert.ThrowsExactly<EdgeMLException>(() => Read("empty.npy", NpyWriter.Floats([0, 4])));

        Assert.AreEqual(DiagnosticCodes.DataEmpty, error.Diagnostic.Code);
    }

    private LabeledDataset Read(string name, byte[] npy)
    {
        var path = folder.File(name);
        File.WriteAllBytes(path, npy);
        return DatasetReader.Read(path, "label", labelRequired: false, null, null, Recipe);
    }

    private void AssertMalformed(byte[] npy, string reason)
    {
        var error = Assert.ThrowsExactly<EdgeMLException>(() => Read("bad.npy", npy));

        Assert.AreEqual(DiagnosticCodes.DataMalformed, error.Diagnostic.Code);
        Assert.AreEqual(new SourceLocation(folder.File("bad.npy")), error.Diagnostic.Location);
        StringAssert.Contains(error.Message, reason);
    }
}
