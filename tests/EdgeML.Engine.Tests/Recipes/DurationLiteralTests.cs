using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

[TestClass]
public sealed class DurationLiteralTests
{
    [TestMethod]
    [DataRow("5", 5.0)]
    [DataRow("0.5", 0.5)]
    [DataRow("5ms", 5.0)]
    [DataRow("5 ms", 5.0)]
    [DataRow("250us", 0.25)]
    [DataRow("5us", 0.005)]
    [DataRow("1.5s", 1500.0)]
    [DataRow("0ms", 0.0)]
    public void ParsesMilliseconds(string text, double milliseconds) =>
        Assert.AreEqual(milliseconds, DurationLiteral.ParseMilliseconds(text));

    [TestMethod]
    [DataRow("")]
    [DataRow("ms")]
    [DataRow("-5ms")]
    [DataRow("5 minutes")]
    [DataRow("5MS")]
    [DataRow("5µs")]
    [DataRow("5ms\n")]
    [DataRow("1e3ms")]
    [DataRow("99999999999999999999999999999999999ms")]
    public void RejectsAnythingElse(string text)
    {
        Assert.IsFalse(DurationLiteral.TryParseMilliseconds(text, out _));
        Assert.ThrowsExactly<FormatException>(() => DurationLiteral.ParseMilliseconds(text));
    }
}
