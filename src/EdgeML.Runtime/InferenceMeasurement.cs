using System.Diagnostics;

namespace EdgeML.Runtime;

/// <summary>
/// The telemetry of one run: its activity and start time, both only when someone listens, so an unobserved run
/// pays one check and allocates nothing.
/// </summary>
internal readonly struct InferenceMeasurement
{
    private readonly EdgeMLModelSource? _model;
    private readonly string? _executionProvider;
    private readonly Activity? _activity;
    private readonly long _startTimestamp;

    private InferenceMeasurement(EdgeMLModelSource model, string executionProvider)
    {
        _model = model;
        _executionProvider = executionProvider;
        _activity = EdgeMLTelemetry.StartInference(model, executionProvider);
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    public static InferenceMeasurement Start(EdgeMLModelSource model, string executionProvider) =>
        EdgeMLTelemetry.IsInferenceObserved ? new InferenceMeasurement(model, executionProvider) : default;

    /// <summary>Records the run's duration and ends its activity; <paramref name="error"/> is set when it failed.</summary>
    public void Stop(Exception? error)
    {
        if (_model is not null)
        {
            EdgeMLTelemetry.StopInference(_activity, _startTimestamp, _model, _executionProvider!, error);
        }
    }
}
