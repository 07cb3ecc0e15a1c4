using System.Globalization;

namespace EdgeML.Runtime;

/// <summary>How far a model's outputs on this device are from the golden outputs recorded at build time.</summary>
public sealed class EdgeMLValidationResult
{
    internal EdgeMLValidationResult(int samples, IReadOnlyDictionary<string, double> outputDeviations)
    {
        Samples = samples;
        OutputDeviations = outputDeviations;
        MaxAbsoluteDeviation = outputDeviations.Values.DefaultIfEmpty(0).Max();
    }

    /// <summary>The number of golden samples rerun; 0 when the manifest has none, so nothing was checked.</summary>
    public int Samples { get; }

    /// <summary>
    /// The largest absolute difference between any output value and its golden value; positive infinity where
    /// one of them is NaN and the other is not.
    /// </summary>
    public double MaxAbsoluteDeviation { get; }

    /// <summary>The largest absolute difference per output name.</summary>
    public IReadOnlyDictionary<string, double> OutputDeviations { get; }

    /// <summary>Whether every output value is within <paramref name="tolerance"/> of its golden value.</summary>
    /// <param name="tolerance">The largest acceptable absolute difference; execution providers other than the CPU may need more than 0.</param>
    /// <returns><see langword="true"/> when <see cref="MaxAbsoluteDeviation"/> is at most the tolerance (always, when no samples were checked).</returns>
    public bool Passed(double tolerance) => MaxAbsoluteDeviation <= tolerance;

    /// <summary>The sample count and the largest deviation, for logs.</summary>
    /// <returns>A one-line summary.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Samples} golden samples, max absolute deviation {MaxAbsoluteDeviation:G6}");
}
