using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Runtime;

[TestClass]
public sealed class ClassPredictionTests
{
    [TestMethod]
    public void PicksTheHighestScoreWithItsSoftmaxProbability()
    {
        var prediction = ClassPrediction.FromScores([1f, 3f, 2f], ["a", "b", "c"], applySoftmax: true);

        Assert.AreEqual(1, prediction.Index);
        Assert.AreEqual("b", prediction.Label);
        Assert.AreEqual(Math.Exp(3) / (Math.Exp(1) + Math.Exp(3) + Math.Exp(2)), prediction.Confidence, 1e-6);
        CollectionAssert.AreEqual(new[] { 1f, 3f, 2f }, prediction.Scores.ToArray());
    }

    [TestMethod]
    public void BreaksTiesTowardsTheLowestIndex() =>
        Assert.AreEqual(1, ClassPrediction.FromScores([0f, 5f, 5f, 5f], labels: null, applySoftmax: true).Index);

    [TestMethod]
    public void TakesTheWinningScoreAsConfidenceWhenScoresAreProbabilities()
    {
        var prediction = ClassPrediction.FromScores([0.2f, 0.7f, 0.1f], labels: null, applySoftmax: false);

        Assert.AreEqual(0.7f, prediction.Confidence);
        Assert.IsNull(prediction.Label);
    }

    [TestMethod]
    public void StaysStableForLargeLogits() =>
        Assert.AreEqual(0.5f, ClassPrediction.FromScores([1000f, 1000f, -1000f], labels: null, applySoftmax: true).Confidence, 1e-6f);

    [TestMethod]
    public void KeepsItsOwnCopyOfTheScores()
    {
        float[] scores = [1f, 2f];
        var prediction = ClassPrediction.FromScores(scores, labels: null, applySoftmax: true);

        scores[0] = 99f;

        Assert.AreEqual(1f, prediction.Scores[0]);
    }

    [TestMethod]
    public void RejectsLabelsThatDoNotMatchTheScores() =>
        Assert.ThrowsExactly<ArgumentException>(() => ClassPrediction.FromScores([1f, 2f], ["only one"], applySoftmax: true));

    [TestMethod]
    public void RejectsEmptyScores() =>
        Assert.ThrowsExactly<ArgumentException>(() => ClassPrediction.FromScores([], labels: null, applySoftmax: true));

    [TestMethod]
    public void DescribesItselfByLabelAndConfidence() =>
        Assert.AreEqual("yes (75.0 %)", ClassPrediction.FromScores([0.75f, 0.25f], ["yes", "no"], applySoftmax: false).ToString());
}
