using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Gates;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;
using Google.Protobuf;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Runs one recipe end to end: compress the model step by step, evaluate original and compressed on the
/// validation data, check the gates (backing pruning off, then giving the most sensitive quantized nodes back to
/// float while they fail, then trying faster configurations while the result is too slow, where the recipe
/// allows), write the report, and publish the model, its manifest (and cache them) only when every gate passes.
/// </summary>
public sealed class RecipeOptimizer(OptimizationCache cache)
{
    private readonly LatencyMeasurement _latency = (_, runner, data) => LatencyProbe.Measure(runner, data);

    /// <summary>An optimizer that times models with <paramref name="latency"/> instead of <see cref="LatencyProbe"/>.</summary>
    internal RecipeOptimizer(OptimizationCache cache, LatencyMeasurement latency)
        : this(cache)
    {
        _latency = latency;
    }

    /// <summary>How many pruning strengths a back-off tries at most, the recipe's own included.</summary>
    public const int MaxBackoffAttempts = 5;

    /// <summary>Each back-off attempt prunes this share of the previous attempt's ratio.</summary>
    public const double BackoffFactor = 0.7;

    private const string ReportSuffix = ".report.json";
    private const string ManifestSuffix = ".manifest.json";

    /// <summary>Every file a successful result publishes; see <see cref="OutputLayout"/>.</summary>
    private static readonly string[] PublishedSuffixes =
        [ModelStorageCodec.FileExtension(ModelStorage.Raw), ModelStorageCodec.FileExtension(ModelStorage.Brotli), ManifestSuffix, ReportSuffix];

    /// <param name="recipe">The parsed recipe.</param>
    /// <param name="originalBytes">The model's self-contained bytes, as read once by the caller (<see cref="Onnx.OnnxModelFile.Read"/>).</param>
    /// <param name="model">The same model, parsed.</param>
    /// <param name="layout">Where the outputs go.</param>
    /// <param name="modelDataFiles">The external data files the model's tensors were read from, part of the cache key.</param>
    public OptimizationOutcome Optimize(Recipe recipe, byte[] originalBytes, ModelProto model, OutputLayout layout, IReadOnlyList<string>? modelDataFiles = null)
    {
        var key = OptimizationCache.ComputeKey(recipe, modelDataFiles);
        using var cacheLock = cache.Lock(key);
        if (cache.TryGet(key) is { } cached)
        {
            Publish(layout, cached.ToDictionary(file => file.Key, file => File.ReadAllBytes(file.Value)));
            PublishFallback(recipe, originalBytes, layout, passed: true);
            return new OptimizationOutcome(OptimizationReport.FromJson(File.ReadAllText(layout.Report)), [], FromCache: true);
        }

        var timings = new PhaseTimings();
        var total = Stopwatch.StartNew();
        (LabeledDataset Data, SourceLocation Location)? validation = recipe.Validation is { } spec ? timings.Time("read_data", () => RecipeData.Validation(spec, recipe, model)) : null;
        var steps = new CompressionSteps(recipe, validation, timings);
        var comparison = new ModelComparison(originalBytes, validation, recipe, _latency);
        var (prepared, preparation) = Prepare(recipe, model, timings);

        // Candidates while the gates fail: weaker pruning first (backoff), then, on top of the last pruning strength,
        // one more node in float at a time (accuracy_aware).
        var backoff = new List<BackoffAttempt>();
        var fallbacks = new List<FloatFallback>();
        var scale = 1.0;
        var candidateSteps = recipe.Steps;
        Candidate candidate;
        while (true)
        {
            candidate = Compress(recipe, prepared, ScaleBackoffSteps(candidateSteps, scale), steps, comparison, timings);
            if (candidate.Passed)
            {
                break;
            }

            if (recipe.Steps.Any(CanBackOff) && backoff.Count + 1 < MaxBackoffAttempts)
            {
                backoff.Add(new BackoffAttempt(scale, candidate.FailedGates));
                scale *= BackoffFactor;
            }
            else if (!LatencyFallback.OnlyTooSlow(candidate.Measurements, candidate.Gates, recipe.Gates)
                && AccuracyFallback.Next(candidateSteps, candidate.Steps, candidate.FailedGates) is { } next)
            {
                fallbacks.Add(next.Fallback);
                candidateSteps = next.Steps;
            }
            else
            {
                break;
            }
        }

        var latencyAttempts = new List<LatencyAttempt>();
        candidate = FasterIfTooSlow(recipe, prepared, ScaleBackoffSteps(candidateSteps, scale).ToArray(), candidate, steps, comparison, timings, latencyAttempts);
        var slower = LatencyRegression.Check(candidate.Measurements, recipe.Gates, recipe.Steps.FirstOrDefault()?.Location ?? recipe.Model.Location);
        var fellBack = AccuracyFallback.Warning(recipe, fallbacks, candidate.Passed);
        var faster = LatencyFallback.Warning(recipe, latencyAttempts);
        var diagnostics = candidate.Warnings.Concat(BackoffWarnings(recipe, backoff, scale, candidate.Passed))
            .Concat(fellBack is null ? [] : [fellBack])
            .Concat(faster is null ? [] : [faster])
            .Concat(slower is null ? [] : [slower])
            .Concat(candidate.Gates.Where(g => !g.Passed).Select(g => g.ToDiagnostic())).ToList();
        var manifest = candidate.Passed
            ? timings.Time("manifest", () => ModelManifestBuilder.Build(
                candidate.Compressed, recipe.Id, recipe.ModelVersion?.Value.ToString(CultureInfo.InvariantCulture), validation?.Data, validation?.Location)).ToJson()
            : null;
        timings.Record("total", total.Elapsed);

        var report = new OptimizationReport(recipe.FilePath, EngineInfo.Version, candidate.Passed, candidate.Measurements, [.. preparation, .. candidate.Steps],
            candidate.Gates.Select(GateReport.From).ToArray(), timings.Seconds)
        {
            Backoff = backoff.Count == 0 ? null : [.. backoff, new BackoffAttempt(scale, candidate.FailedGates)],
            Fallbacks = fallbacks.Count == 0 ? null : fallbacks,
            LatencyAttempts = latencyAttempts.Count == 0 ? null : latencyAttempts,
        };
        var result = new Dictionary<string, byte[]> { [ReportSuffix] = Encoding.UTF8.GetBytes(report.ToJson()) };
        if (manifest is not null)
        {
            result[ModelStorageCodec.FileExtension(ModelStorage.Raw)] = candidate.Compressed;
            result[ModelStorageCodec.FileExtension(recipe.Storage)] = candidate.Stored;
            result[ManifestSuffix] = manifest;
            cache.Put(key, result);
        }

        Publish(layout, result);
        PublishFallback(recipe, originalBytes, layout, candidate.Passed);
        return new OptimizationOutcome(report, diagnostics, FromCache: false);
    }

    private static Candidate Compress(Recipe recipe, ModelProto model, IEnumerable<CompressionStep> recipeSteps, CompressionSteps steps, ModelComparison comparison, PhaseTimings timings)
    {
        var compressed = steps.Run(model, recipeSteps);
        var bytes = compressed.Model.ToByteArray();
        var stored = timings.Time("encode", () => ModelStorageCodec.Encode(bytes, recipe.Storage));
        var measurements = timings.Time("evaluate", () => comparison.Measure(bytes, stored.Length));
        return new Candidate(bytes, stored, measurements, GateChecker.Check(recipe.Gates, measurements), compressed.Steps, compressed.Warnings);
    }

    /// <summary>
    /// When an accuracy-aware static step's candidate is too slow — a latency gate fails, or, with none, it runs slower
    /// than the original — and nothing else fails, tries <see cref="LatencyFallback"/>'s faster configurations in order
    /// and returns the first that passes every gate, else the candidate itself. Records every configuration measured.
    /// </summary>
    private static Candidate FasterIfTooSlow(Recipe recipe, ModelProto model, IReadOnlyList<CompressionStep> candidateSteps, Candidate candidate,
        CompressionSteps steps, ModelComparison comparison, PhaseTimings timings, List<LatencyAttempt> attempts)
    {
        if (!LatencyFallback.OnlyTooSlow(candidate.Measurements, candidate.Gates, recipe.Gates))
        {
            return candidate;
        }

        var alternatives = LatencyFallback.Alternatives(candidateSteps, candidate.Steps, model);
        if (alternatives.Count == 0)
        {
            return candidate;
        }

        attempts.Add(Attempt("the recipe's configuration", candidate, recipe));
        foreach (var (configuration, alternative) in alternatives)
        {
            var tried = Compress(recipe, model, alternative, steps, comparison, timings);
            attempts.Add(Attempt(configuration, tried, recipe));
            if (attempts[^1].Rejected is null)
            {
                return tried;
            }
        }

        return candidate;
    }

    private static LatencyAttempt Attempt(string configuration, Candidate candidate, Recipe recipe) =>
        new(configuration, candidate.Measurements.CompressedLatency?.P95Milliseconds, candidate.Measurements.LatencyRatio,
            LatencyFallback.WhyRejected(candidate.Measurements, candidate.Gates, recipe.Gates));

    /// <summary>
    /// Brings the graph into the canonical form the steps expect (<see cref="GraphPreparation"/>), once, however
    /// many back-off attempts follow. A recipe without steps embeds the model exactly as it is.
    /// </summary>
    private static (ModelProto Model, StepReport[] Report) Prepare(Recipe recipe, ModelProto model, PhaseTimings timings)
    {
        if (recipe.Steps.Count == 0)
        {
            return (model, []);
        }

        var (prepared, report) = timings.Time("prepare", () => GraphPreparation.Prepare(model));
        return !report.ChangedAnything
            ? (model, [])
            : (prepared, [new StepReport("prepare") { Preparation = report }]);
    }

    private static bool CanBackOff(CompressionStep step) => step is PruneStep { Backoff: true } or PruneChannelsStep { Backoff: true };

    private static IEnumerable<CompressionStep> ScaleBackoffSteps(IEnumerable<CompressionStep> steps, double scale) =>
        scale == 1.0 ? steps : steps.Select(step => step switch
        {
            PruneStep { Backoff: true } prune => prune.Scaled(scale),
            PruneChannelsStep { Backoff: true } channels => channels.Scaled(scale),
            _ => step,
        });

    // Says, at each backed-off step, how far pruning had to be reduced (or that even the weakest attempt failed).
    private static IEnumerable<Diagnostic> BackoffWarnings(Recipe recipe, IReadOnlyList<BackoffAttempt> backoff, double scale, bool passed)
    {
        if (backoff.Count == 0)
        {
            yield break;
        }

        foreach (var step in recipe.Steps.Where(CanBackOff))
        {
            var (name, strength) = step switch
            {
                PruneStep prune => ("sparsity", prune.Sparsity.Value),
                PruneChannelsStep channels => ("ratio", channels.Ratio.Value),
                _ => throw new UnreachableException(),
            };
            var message = passed
                ? string.Create(CultureInfo.InvariantCulture, $"the gates failed at {name} {strength:0.###}; backed off to {strength * scale:0.###}, which passes")
                : string.Create(CultureInfo.InvariantCulture, $"the gates failed at {name} {strength:0.###} and at every weaker setting down to {strength * scale:0.###}");
            yield return new Diagnostic(DiagnosticCodes.PruningBackedOff, Severity.Warning, message, step.Location);
        }
    }

    /// <summary>
    /// Writes a result's files (named by suffix) and removes the model files it lacks: a model that failed its
    /// gates, or a storage form the recipe no longer asks for, must not be embedded by a later build.
    /// </summary>
    private static void Publish(OutputLayout layout, IReadOnlyDictionary<string, byte[]> result)
    {
        foreach (var (suffix, bytes) in result)
        {
            AtomicFile.WriteAllBytes(layout.File(suffix), bytes);
        }

        foreach (var suffix in PublishedSuffixes.Where(suffix => !result.ContainsKey(suffix)))
        {
            File.Delete(layout.File(suffix));
        }
    }

    // The fallback copy exists exactly when the recipe asks for it and the compressed model was published.
    private static void PublishFallback(Recipe recipe, byte[] originalBytes, OutputLayout layout, bool passed)
    {
        if (passed && recipe.Fallback == FallbackModel.Float)
        {
            AtomicFile.WriteAllBytes(layout.FallbackModel, originalBytes);
        }
        else
        {
            File.Delete(layout.FallbackModel);
        }
    }

    /// <summary>One compressed model and its verdict.</summary>
    private sealed record Candidate(byte[] Compressed, byte[] Stored, Measurements Measurements, IReadOnlyList<GateResult> Gates,
        IReadOnlyList<StepReport> Steps, IReadOnlyList<Diagnostic> Warnings)
    {
        public bool Passed => Gates.All(g => g.Passed);

        public IReadOnlyList<string> FailedGates => Gates.Where(g => !g.Passed).Select(g => g.Gate).ToArray();
    }
}
