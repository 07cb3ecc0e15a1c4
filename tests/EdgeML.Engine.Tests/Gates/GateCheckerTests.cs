using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Gates;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Gates;

[TestClass]
public sealed class GateCheckerTests
{
    private static readonly Measurements Measured = new(
        OriginalBytes: 1000, CompressedBytes: 270, EmbeddedBytes: 260, OriginalAccuracy: 0.97, CompressedAccuracy: 0.95, Agreement: 0.96, MeanCosineSimilarity: 0.99,
        OriginalLatency: new LatencyStats(1.0, 2.0, 100), CompressedLatency: new LatencyStats(0.5, 1.0, 100));

    [TestMethod]
    public void EveryLimitWithinBoundsPasses()
    {
        var gates = new GateSpec(
            new AccuracyGate(At(0.9, 1), At(0.05, 2)),
            new AgreementGate(At(0.95, 3)),
            new SizeGate(new Located<long>(300, Line(4)), At(0.3, 5)),
            new LatencyGate(At(1.5, 6), At(0.6, 7)));

        var results = GateChecker.Check(gates, Measured);

        Assert.HasCount(7, results);
        Assert.IsTrue(results.All(r => r.Passed), string.Join("\n", results.Where(r => !r.Passed).Select(r => r.Message)));
    }

    [TestMethod]
    public void EachFailingLimitPointsAtItsRecipeLineWithMeasuredAndAllowedValues()
    {
        var gates = new GateSpec(
            new AccuracyGate(At(0.96, 1), At(0.01, 2)),
            new AgreementGate(At(0.99, 3)),
            new SizeGate(new Located<long>(200, Line(4)), At(0.2, 5)),
            new LatencyGate(At(0.5, 6), At(0.4, 7)));

        var failures = GateChecker.Check(gates, Measured).Where(r => !r.Passed).Select(r => r.ToDiagnostic()).ToArray();

        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5, 6, 7 }, failures.Select(f => f.Location!.Value.Line).ToArray());
        CollectionAssert.AreEqual(
            new[] { DiagnosticCodes.GateAccuracy, DiagnosticCodes.GateAccuracy, DiagnosticCodes.GateAgreement, DiagnosticCodes.GateSize, DiagnosticCodes.GateSize, DiagnosticCodes.GateLatency, DiagnosticCodes.GateLatency },
            failures.Select(f => f.Code).ToArray());
        StringAssert.Contains(failures[0].Message, "0.9500 is below the minimum 0.9600");
        StringAssert.Contains(failures[1].Message, "dropped by 0.0200 (from 0.9700 to 0.9500), more than max_drop 0.0100");
        StringAssert.Contains(failures[3].Message, "the embedded model is 260 bytes, above the maximum 200 bytes");
        Assert.AreEqual("gates.edgeml.yaml(2,7): error EDGEML4001: " + failures[1].Message, failures[1].ToString());
    }

    [TestMethod]
    public void GatesWithoutMeasurementsAreNotJudged()
    {
        var gates = new GateSpec(new AccuracyGate(At(0.99, 1), null), null, null, new LatencyGate(At(0.001, 2), null));
        var unmeasured = Measured with { CompressedAccuracy = null, CompressedLatency = null };

        Assert.IsEmpty(GateChecker.Check(gates, unmeasured));
    }

    private static SourceLocation Line(int line) => new("gates.edgeml.yaml", line, 7);

    private static Located<double> At(double value, int line) => new(value, Line(line));

    [TestMethod]
    public void ASlowerCompressedModelWarnsWhenNoLatencyGateJudgesIt()
    {
        var slower = Measured with { CompressedLatency = new LatencyStats(1.5, 2.5, 100) };
        var step = Line(8);

        var warning = LatencyRegression.Check(slower, GateSpec.None, step);

        Assert.IsNotNull(warning);
        Assert.AreEqual((DiagnosticCodes.LatencySlowerThanOriginal, Severity.Warning, step), (warning.Code, warning.Severity, warning.Location!.Value));
        StringAssert.Contains(warning.Message, "1.25× slower");
        Assert.IsNull(LatencyRegression.Check(Measured, GateSpec.None, step), "a faster model is fine");
        Assert.IsNull(LatencyRegression.Check(slower, new GateSpec(null, null, null, new LatencyGate(null, At(1.0, 9))), step), "a latency gate judges it instead");
    }
}
