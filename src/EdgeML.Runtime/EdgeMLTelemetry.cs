using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeML.Runtime;

/// <summary>
/// The runtime's metrics and traces. Subscribe with an OpenTelemetry <c>AddMeter(EdgeMLTelemetry.MeterName)</c> and
/// <c>AddSource(EdgeMLTelemetry.ActivitySourceName)</c>, or a <see cref="MeterListener"/> / <see cref="ActivityListener"/>.
/// Nothing is measured or allocated while nobody listens.
/// </summary>
public static class EdgeMLTelemetry
{
    /// <summary>The name of the runtime's <see cref="Meter"/>.</summary>
    public const string MeterName = "EdgeML.Runtime";

    /// <summary>The name of the runtime's <see cref="ActivitySource"/>; each run is an <c>edgeml.inference</c> activity.</summary>
    public const string ActivitySourceName = "EdgeML.Runtime";

    internal const string InferenceActivityName = "edgeml.inference";

    private static readonly string? LibraryVersion = typeof(EdgeMLTelemetry).Assembly.GetName().Version?.ToString();

    private static readonly Meter Meter = new(MeterName, LibraryVersion);

    // Buckets from 10 µs to 10 s: a small model runs in microseconds on a desktop CPU and in milliseconds on a phone.
    private static readonly Histogram<double> InferenceDuration = Meter.CreateHistogram(
        "edgeml.inference.duration",
        unit: "s",
        description: "Duration of one model run.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Histogram<double> SessionCreationDuration = Meter.CreateHistogram(
        "edgeml.session.creation.duration",
        unit: "s",
        description: "Duration of loading a model into an ONNX Runtime session.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>(
        "edgeml.fallbacks",
        unit: "{fallback}",
        description: "Fallbacks taken: to CPU when a preferred execution provider failed, to the fallback model, or to the caller's fallback.");

    private static readonly Counter<long> IntegrityFailures = Meter.CreateCounter<long>(
        "edgeml.integrity.failures",
        unit: "{failure}",
        description: "Models rejected because their integrity check failed.");

    private static readonly ActivitySource ActivitySource = new(ActivitySourceName, LibraryVersion);

    /// <summary>Whether a run needs its start time: someone listens to the duration histogram or to the activity.</summary>
    internal static bool IsInferenceObserved => InferenceDuration.Enabled || ActivitySource.HasListeners();

    /// <summary>Records that a model failed its integrity check, e.g. a hash or signature mismatch.</summary>
    /// <param name="model">The model that was rejected.</param>
    /// <param name="errorType">A short, low-cardinality reason, e.g. <c>hash_mismatch</c>.</param>
    public static void RecordIntegrityFailure(EdgeMLModelSource model, string errorType)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (IntegrityFailures.Enabled)
        {
            var tags = ModelTags(model);
            tags.Add("error.type", errorType);
            IntegrityFailures.Add(1, tags);
        }
    }

    /// <summary>Starts the run's activity, or returns <see langword="null"/> when no listener samples it.</summary>
    internal static Activity? StartInference(EdgeMLModelSource model, string executionProvider)
    {
        var activity = ActivitySource.HasListeners() ? ActivitySource.StartActivity(InferenceActivityName, ActivityKind.Internal) : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("edgeml.model", model.Name);
            activity.SetTag("edgeml.model.version", model.Version);
            activity.SetTag("edgeml.execution_provider", executionProvider);
        }

        return activity;
    }

    /// <summary>Ends a run's measurements; <paramref name="error"/> is set when the run failed.</summary>
    internal static void StopInference(Activity? activity, long startTimestamp, EdgeMLModelSource model, string executionProvider, Exception? error)
    {
        if (activity is not null)
        {
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
                activity.SetTag("error.type", error.GetType().FullName);
            }

            activity.Dispose();
        }

        if (InferenceDuration.Enabled)
        {
            var tags = ModelTags(model, executionProvider);
            if (error is not null)
            {
                tags.Add("error.type", error.GetType().FullName);
            }

            InferenceDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
        }
    }

    internal static void RecordSessionCreation(long startTimestamp, EdgeMLModelSource model, string executionProvider)
    {
        if (SessionCreationDuration.Enabled)
        {
            SessionCreationDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, ModelTags(model, executionProvider));
        }
    }

    /// <summary>Counts a fallback; <paramref name="kind"/> is <c>execution_provider</c>, <c>model</c> or <c>delegate</c>.</summary>
    internal static void RecordFallback(EdgeMLModelSource model, string kind, Exception error)
    {
        if (Fallbacks.Enabled)
        {
            var tags = ModelTags(model);
            tags.Add("edgeml.fallback.kind", kind);
            tags.Add("error.type", error.GetType().FullName);
            Fallbacks.Add(1, tags);
        }
    }

    private static TagList ModelTags(EdgeMLModelSource model, string? executionProvider = null)
    {
        var tags = new TagList { { "edgeml.model", model.Name } };
        if (model.Version is not null)
        {
            tags.Add("edgeml.model.version", model.Version);
        }

        if (executionProvider is not null)
        {
            tags.Add("edgeml.execution_provider", executionProvider);
        }

        return tags;
    }
}
