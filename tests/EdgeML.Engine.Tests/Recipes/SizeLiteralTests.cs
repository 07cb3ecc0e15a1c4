using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

[TestClass]
public sealed class SizeLiteralTests
{
    [TestMethod]
    [DataRow("0", 0L)]
    [DataRow("307200", 307200L)]
    [DataRow("512B", 512L)]
    [DataRow("300KB", 307200L)]
    [DataRow("300KiB", 307200L)]
    [DataRow("300 KB", 307200L)]
    [DataRow("1.5MB", 1572864L)]
    [DataRow("2MiB", 2097152L)]
    [DataRow("1GB", 1073741824L)]
    [DataRow("1GiB", 1073741824L)]
    [DataRow("1.1KB", 1126L)] // 1126.4 bytes, rounded down
    [DataRow("8589934591GB", 9223372035781033984L)]
    public void ParsesBytesAndUnits(string text, long bytes) => Assert.AreEqual(bytes, SizeLiteral.Parse(text));

    [TestMethod]
    [DataRow("")]
    [DataRow("KB")]
    [DataRow("1.5")] // fractional bytes need a unit
    [DataRow("-1KB")]
    [DataRow("300kb")] // units are case-sensitive: 'kb' could be kilobits
    [DataRow("300 XB")]
    [DataRow("300  KB")]
    [DataRow(" 300KB")]
    [DataRow("300KB\n")]
    [DataRow("1e3")]
    [DataRow(".5MB")]
    [DataRow("8589934592GB")] // more bytes than a long holds
    [DataRow("99999999999999999999999999999999999")]
    public void RejectsAnythingElse(string text)
    {
        Assert.IsFalse(SizeLiteral.TryParse(text, out _));
        Assert.ThrowsExactly<FormatException>(() => SizeLiteral.Parse(text));
    }
}
