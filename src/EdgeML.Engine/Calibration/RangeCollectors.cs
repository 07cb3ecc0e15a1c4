using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Calibration;

/// <summary>The <see cref="IRangeCollector"/> behind each recipe <c>method</c>.</summary>
public static class RangeCollectors
{
    public static Func<IRangeCollector> For(CalibrationMethod method, double percentile = CalibrationSpec.DefaultPercentile) => method switch
    {
        CalibrationMethod.MinMax => () => new MinMaxCollector(),
        CalibrationMethod.Percentile => () => new PercentileCollector(percentile),
        CalibrationMethod.Entropy => () => new EntropyCollector(),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown calibration method."),
    };
}
