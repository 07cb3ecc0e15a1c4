using System.Globalization;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// The next candidate of an accuracy-aware quantize step whose gates failed: the same steps with the most
/// sensitive node still in int8 (as the failed candidate's step report ranks them) left in float.
/// One node at a time, so the first candidate that passes keeps the fewest nodes in float.
/// </summary>
internal static class AccuracyFallback
{
    /// <param name="steps">The steps of the failed candidate.</param>
    /// <param name="reports">Their reports, one per step.</param>
    /// <param name="failedGates">The gates the failed candidate did not pass.</param>
    /// <returns>Null when no accuracy-aware step has a quantized node left.</returns>
    public static (IReadOnlyList<CompressionStep> Steps, FloatFallback Fallback)? Next(IReadOnlyList<CompressionStep> steps, IReadOnlyList<StepReport> reports, IReadOnlyList<string> failedGates)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i] is QuantizeStep { AccuracyAware: true } quantize && reports[i].Sensitivity is [var worst, ..])
            {
                var next = steps.ToArray();
                next[i] = quantize with { FallbackNodes = [.. quantize.FallbackNodes, worst.Node] };
                return (next, new FloatFallback(worst.Node, worst.SqnrDb, failedGates));
            }
        }

        return null;
    }

    /// <summary>The warning at the accuracy-aware step that names the nodes given back to float.</summary>
    public static Diagnostic? Warning(Recipe recipe, IReadOnlyList<FloatFallback> fallbacks, bool passed)
    {
        if (fallbacks.Count == 0 || recipe.Steps.OfType<QuantizeStep>().FirstOrDefault(s => s.AccuracyAware) is not { } step)
        {
            return null;
        }

        var nodes = string.Join(", ", fallbacks.Select(f => string.Create(CultureInfo.InvariantCulture, $"'{f.Node}' (SQNR {f.SqnrDb:0.0} dB)")));
        var message = passed
            ? $"the gates failed with every node in int8; {nodes} fell back to float, which passes"
            : $"the gates still fail with {nodes} back in float and no quantized node left to give back";
        return new Diagnostic(DiagnosticCodes.LayersFellBackToFloat, Severity.Warning, message, step.Location);
    }
}
