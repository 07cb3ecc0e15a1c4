using System.Diagnostics;

namespace EdgeML.Engine.Pipeline;

/// <summary>Seconds spent in each phase of one optimization (repeated phases add up), for the report.</summary>
internal sealed class PhaseTimings
{
    private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    public T Time<T>(string phase, Func<T> work)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = work();
        _seconds[phase] = _seconds.GetValueOrDefault(phase) + stopwatch.Elapsed.TotalSeconds;
        return result;
    }

    public void Record(string phase, TimeSpan elapsed) => _seconds[phase] = elapsed.TotalSeconds;
}
