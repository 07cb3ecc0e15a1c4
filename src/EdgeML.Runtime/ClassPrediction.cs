using System.Collections.ObjectModel;
using System.Globalization;

namespace EdgeML.Runtime;

/// <summary>The class a classifier picked for one sample, with its confidence and the model's raw scores.</summary>
public sealed class ClassPrediction
{
    private ClassPrediction(int index, string? label, float confidence, IReadOnlyList<float> scores)
    {
        Index = index;
        Label = label;
        Confidence = confidence;
        Scores = scores;
    }

    /// <summary>The position of the winning class in <see cref="Scores"/>.</summary>
    public int Index { get; }

    /// <summary>The winning class's label, or <see langword="null"/> when the model has no labels.</summary>
    public string? Label { get; }

    /// <summary>The winning class's probability: the softmax of the scores at <see cref="Index"/>.</summary>
    public float Confidence { get; }

    /// <summary>The scores as the model output them, one per class.</summary>
    public IReadOnlyList<float> Scores { get; }

    /// <summary>Picks the class with the highest score; on a tie, the one with the lowest index.</summary>
    /// <param name="scores">One score per class.</param>
    /// <param name="labels">One label per class, or <see langword="null"/>.</param>
    /// <param name="applySoftmax">
    /// <see langword="true"/> when the scores are logits; <see langword="false"/> when they are already
    /// probabilities (the model ends in a softmax), so the winner's score is its confidence.
    /// </param>
    /// <returns>The prediction; it keeps a copy of the scores.</returns>
    /// <exception cref="ArgumentException">There are no scores, or the labels do not match them one for one.</exception>
    public static ClassPrediction FromScores(ReadOnlySpan<float> scores, IReadOnlyList<string>? labels, bool applySoftmax)
    {
        if (scores.IsEmpty)
        {
            throw new ArgumentException("a prediction needs at least one score.", nameof(scores));
        }

        if (labels is not null && labels.Count != scores.Length)
        {
            throw new ArgumentException($"there are {scores.Length} scores but {labels.Count} labels.", nameof(labels));
        }

        var winner = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[winner])
            {
                winner = i;
            }
        }

        var confidence = applySoftmax ? SoftmaxAt(scores, winner) : scores[winner];
        return new ClassPrediction(winner, labels?[winner], confidence, new ReadOnlyCollection<float>(scores.ToArray()));
    }

    /// <summary>The label (or index) and confidence, e.g. <c>cat (97.1 %)</c>.</summary>
    /// <returns>A short description for logs.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Label ?? Index.ToString(CultureInfo.InvariantCulture)} ({Confidence:P1})");

    // The winner holds the maximum, so every exponent is at most 0 and cannot overflow.
    private static float SoftmaxAt(ReadOnlySpan<float> scores, int winner)
    {
        var sum = 0f;
        foreach (var score in scores)
        {
            sum += MathF.Exp(score - scores[winner]);
        }

        return 1f / sum;
    }
}
