using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Data;

[TestClass]
public sealed class CsvDatasetReaderTests
{
    private static readonly SourceLocation RecipeLine = new("r.edgeml.yaml", 9, 9);

    [TestMethod]
    public void ReadsFeaturesInColumnOrderAndLabelsByIndexOrName()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("data.csv", "a,label,b\n1,0,2\n3.5,cat,-4e-1\n\"5\",1,6\n");

        var data = CsvDatasetReader.Read(path, "label", labelRequired: true, null, ["dog", "cat"], RecipeLine);

        Assert.AreEqual(3, data.Count);
        Assert.AreEqual(2, data.FeatureCount);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3.5f, -0.4f, 5f, 6f }, data.Features);
        CollectionAssert.AreEqual(new[] { 0, 1, 1 }, data.Labels);
    }

    [TestMethod]
    public void ExplicitFeatureColumnsChooseAndOrderTheInput()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("data.csv", "a,b,c\n1,2,3\n");

        var data = CsvDatasetReader.Read(path, null, labelRequired: false, ["c", "a"], null, RecipeLine);

        CollectionAssert.AreEqual(new[] { 3f, 1f }, data.Features);
        Assert.IsNull(data.Labels);
    }

    [TestMethod]
    public void CalibrationDataWithoutTheLabelColumnIsUnlabeled()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("calib.csv", "a,b\n1,2\n");

        var data = CsvDatasetReader.Read(path, "label", labelRequired: false, null, null, RecipeLine);

        Assert.IsNull(data.Labels);
        Assert.AreEqual(2, data.FeatureCount);
    }

    [TestMethod]
    [DataRow("a,label\n1,0\nx,1\n", DiagnosticCodes.DataMalformed, 3, 1, "'x' is not a finite number")]
    [DataRow("a,label\n1,0\n2,1,3\n", DiagnosticCodes.DataMalformed, 3, 1, "row has 3 cells, the header has 2")]
    [DataRow("a,label\n1,0\n2,7\n", DiagnosticCodes.DataMismatch, 3, 3, "label 7 is out of range")]
    [DataRow("a,label\n1,0\n2,bird\n", DiagnosticCodes.DataMismatch, 3, 3, "label 'bird'")]
    [DataRow("a,label\n\"1,0\n", DiagnosticCodes.DataMalformed, 2, 1, "unterminated quoted cell")]
    [DataRow("a,label\n1,NaN\n", DiagnosticCodes.DataMismatch, 2, 3, "label 'NaN'")]
    public void BadCellsAreReportedAtTheirLineAndColumn(string csv, string code, int line, int column, string message)
    {
        using var temp = new TempDirectory();
        var path = temp.Write("data.csv", csv);

        var error = Assert.ThrowsExactly<EdgeMLException>(() => CsvDatasetReader.Read(path, "label", labelRequired: true, null, ["zero", "one"], RecipeLine));

        Assert.AreEqual(code, error.Diagnostic.Code);
        Assert.AreEqual(new SourceLocation(path, line, column), error.Diagnostic.Location);
        StringAssert.Contains(error.Message, message);
    }

    [TestMethod]
    public void AMissingLabelColumnOrAnEmptyFileIsReportedAtTheRecipe()
    {
        using var temp = new TempDirectory();
        var noLabel = temp.Write("nolabel.csv", "a,b\n1,2\n");
        var empty = temp.Write("empty.csv", "a,label\n");

        var missing = Assert.ThrowsExactly<EdgeMLException>(() => CsvDatasetReader.Read(noLabel, "label", labelRequired: true, null, null, RecipeLine));
        var none = Assert.ThrowsExactly<EdgeMLException>(() => CsvDatasetReader.Read(empty, "label", labelRequired: true, null, null, RecipeLine));

        Assert.AreEqual(DiagnosticCodes.DataMismatch, missing.Diagnostic.Code);
        StringAssert.Contains(missing.Message, "no column 'label'");
        Assert.AreEqual(RecipeLine, missing.Diagnostic.Location);
        Assert.AreEqual(DiagnosticCodes.DataEmpty, none.Diagnostic.Code);
    }

    [TestMethod]
    public void SamplingIsReproducibleAndKeepsOrder()
    {
        var data = RandomData.Uniform(100, 3);

        var first = data.Sample(10, seed: 4);
        var second = data.Sample(10, seed: 4);
        var other = data.Sample(10, seed: 5);

        CollectionAssert.AreEqual(first.Features, second.Features);
        CollectionAssert.AreNotEqual(first.Features, other.Features);
        Assert.AreEqual(10, first.Count);
        Assert.AreSame(data, data.Sample(1000, seed: 1), "asking for more samples than there are keeps them all");
    }
}
