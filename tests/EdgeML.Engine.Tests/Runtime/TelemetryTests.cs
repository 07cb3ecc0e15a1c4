using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using EdgeML.Engine.Tests.CodeGen;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Runtime;

[TestClass]
[DoNotParallelize] // listeners are process-wide; other classes' sessions would record into them
public sealed class TelemetryTests
{
    private static readonly float[] Pixels = [0.3f, -1.2f, 2.5f, 0.7f];

    [TestMethod]
    public void RecordsEachRunsDurationWithTheModelAndProvider()
    {
        using var metrics = new Measurements();
        using var session = EdgeMLSession.Open(EdgeMLModelSource.FromBytes(TestModels.Classifier().Bytes(), "digits") with { Version = "1.2" });

        session.Run(0, Pixels, [1, 4], 0, new float[3].AsSpan(), [1, 3]);
        Assert.ThrowsExactly<ArgumentException>(() => session.Run(0, Pixels.AsSpan(0, 3), [1, 4], 0, new float[3].AsSpan(), [1, 3]));

        var run = metrics.Of("edgeml.inference.duration").Single();
        Assert.IsGreaterThan(0.0, run.Value);
        Assert.AreEqual("digits", run.Tags["edgeml.model"]);
        Assert.AreEqual("1.2", run.Tags["edgeml.model.version"]);
        Assert.AreEqual("Cpu", run.Tags["edgeml.execution_provider"]);
        Assert.IsFalse(run.Tags.ContainsKey("error.type"));
        Assert.AreEqual("digits", metrics.Of("edgeml.session.creation.duration").Single().Tags["edgeml.model"]);
    }

    [TestMethod]
    public void TagsFailedRunsAndCountsFallbacks()
    {
        using var metrics = new Measurements();
        using var session = EdgeMLSession.Open(
            EdgeMLModelSource.FromBytes(RuntimeTestModels.FailsAtRunTime(), "broken"),
            fallbackModel: EdgeMLModelSource.FromBytes(TestModels.Classifier().Bytes(), "float"));

        session.Run(0, Pixels, [1, 4], 0, new float[3].AsSpan(), [1, 3]);

        var runs = metrics.Of("edgeml.inference.duration");
        Assert.HasCount(2, runs);
        Assert.AreEqual("Microsoft.ML.OnnxRuntime.OnnxRuntimeException", runs.Single(r => (string?)r.Tags["edgeml.model"] == "broken").Tags["error.type"]);
        Assert.IsFalse(runs.Single(r => (string?)r.Tags["edgeml.model"] == "float").Tags.ContainsKey("error.type"));
        var fallback = metrics.Of("edgeml.fallbacks").Single();
        Assert.AreEqual(1.0, fallback.Value);
        Assert.AreEqual("broken", fallback.Tags["edgeml.model"]);
        Assert.AreEqual("model", fallback.Tags["edgeml.fallback.kind"]);
    }

    [TestMethod]
    public void CountsIntegrityFailures()
    {
        using var metrics = new Measurements();

        EdgeMLTelemetry.RecordIntegrityFailure(EdgeMLModelSource.FromBytes([], "digits"), "hash_mismatch");

        var failure = metrics.Of("edgeml.integrity.failures").Single();
        Assert.AreEqual("digits", failure.Tags["edgeml.model"]);
        Assert.AreEqual("hash_mismatch", failure.Tags["error.type"]);
    }

    [TestMethod]
    public void StartsAnActivityPerRunForListenersThatSampleIt()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EdgeMLTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var session = EdgeMLSession.Open(EdgeMLModelSource.FromBytes(TestModels.Classifier().Bytes(), "digits"));

        session.Run(0, Pixels, [1, 4], 0, new float[3].AsSpan(), [1, 3]);

        var activity = activities.Single();
        Assert.AreEqual("edgeml.inference", activity.OperationName);
        Assert.AreEqual("digits", activity.GetTagItem("edgeml.model"));
        Assert.AreEqual("Cpu", activity.GetTagItem("edgeml.execution_provider"));
        Assert.AreEqual(ActivityStatusCode.Unset, activity.Status);
    }

    private sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>Everything the runtime's meter records while it is alive.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measurement> _recorded = new();

        public Measurements()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EdgeMLTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public IReadOnlyList<Measurement> Of(string instrument) => _recorded.Where(m => m.Instrument == instrument).ToArray();

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            _recorded.Enqueue(new Measurement(instrument.Name, value, tags.ToArray().ToDictionary(tag => tag.Key, tag => tag.Value)));
    }
}
