using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

[TestClass]
public sealed class ClosestNameTests
{
    private static readonly string[] GateKeys = ["min", "max_drop", "max", "max_ratio", "p95_max"];

    [TestMethod]
    [DataRow("max_dorp", "max_drop", DisplayName = "swapped letters")]
    [DataRow("mni", "min", DisplayName = "short name, one swap")]
    [DataRow("maxDrop", "max_drop", DisplayName = "camelCase")]
    [DataRow("MAX-RATIO", "max_ratio", DisplayName = "case and dash")]
    [DataRow("p95max", "p95_max", DisplayName = "missing separator")]
    [DataRow("maxx", "max", DisplayName = "extra letter")]
    public void SuggestsTheNameMeant(string typed, string expected) => Assert.AreEqual(expected, ClosestName.Find(typed, GateKeys));

    [TestMethod]
    [DataRow("threshold")]
    [DataRow("ratio")]
    [DataRow("x")]
    public void SuggestsNothingForUnrelatedNames(string typed) => Assert.IsNull(ClosestName.Find(typed, GateKeys));
}
