using System.Diagnostics;
using System.Globalization;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Pruning.Structured;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;
using Google.Protobuf;

namespace EdgeML.Benchmarks;

/// <summary>
/// `--compression`: what the build's compression does to real and realistic models — sizes, accuracy, agreement,
/// multiply-adds, single-thread latency and compression time — printed as the markdown tables of docs/benchmarks.md.
/// Recipes on the digits sample go through the same pipeline a build runs.
/// </summary>
internal static class CompressionReport
{
    private static readonly SourceLocation Here = new("EdgeML.Benchmarks", 1, 1);

    public static void Run()
    {
        using var workspace = new Workspace();
        Console.WriteLine("### Digits sample (MNIST MLP 784-256-128-10, 1,000 held-out digits)");
        Console.WriteLine();
        Console.WriteLine("| recipe steps | embedded bytes | × float | top-1 accuracy | agreement | p95 latency (float → compressed) | compression time |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        DigitsRow(workspace, "quantize int8", "  - quantize: { weights: int8 }");
        DigitsRow(workspace, "prune 50% + quantize int8, Brotli", "  - prune: { sparsity: 0.5 }\n  - quantize: { weights: int8 }");
        DigitsRow(workspace, "prune_channels 30%, no reconstruction", "  - prune_channels: { ratio: 0.3, reconstruct: false }");
        DigitsRow(workspace, "prune_channels 30% + reconstruction", "  - prune_channels: { ratio: 0.3 }");
        DigitsRow(workspace, "prune_channels 30% + reconstruction + int8", "  - prune_channels: { ratio: 0.3 }\n  - quantize: { weights: int8 }");
        Console.WriteLine();
        QuantizationTime(workspace);
        Console.WriteLine();
        Console.WriteLine("### Structured pruning, 30% of channels (random inputs; agreement = top-1 agreement with the unpruned model)");
        Console.WriteLine();
        Console.WriteLine("| model | parameters | multiply-adds × | p50 latency, median of 7 interleaved rounds (before → after, 1 thread) | × | agreement without reconstruction | with reconstruction |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        PruningRow("residual CNN (3×32×32, 3 stages)", SyntheticModels.ResidualCnn(), 3 * 32 * 32);
        PruningRow("wide MLP (784-1024-1024-512-10)", SyntheticModels.WideMlp(), 784);
        Console.WriteLine();
        Console.WriteLine("### Attention heads, 25% pruned (transformer encoder, 6 layers × 12 heads of 32; random inputs; cosine = mean output cosine with the unpruned model)");
        Console.WriteLine();
        Console.WriteLine("| pruned | heads per layer | multiply-adds × | p50 latency, median of 7 interleaved rounds (before → after, 1 thread) | × | cosine without reconstruction | with reconstruction |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        var transformer = SyntheticModels.TransformerEncoder(heads: 12);
        HeadPruningRow("heads only (FFN skipped)", transformer, [.. Enumerable.Range(0, 6).Select(layer => $"layer{layer}.ffn_up")]);
        HeadPruningRow("heads and FFN neurons", transformer, []);
    }

    private static void DigitsRow(Workspace workspace, string label, string steps)
    {
        var recipe = workspace.Recipe($"""
            model: digits.onnx
            steps:
            {steps}
            validation:
              data: digits-test.csv
            """);
        var bytes = File.ReadAllBytes(recipe.Model.Value);
        var outcome = new RecipeOptimizer(new OptimizationCache(workspace.Fresh("cache"))).Optimize(
            recipe, bytes, OnnxModelFile.Parse(bytes, recipe.Model.Value), new OutputLayout(workspace.Fresh("out"), recipe.Id));
        var m = outcome.Report.Measurements;
        var compressionSeconds = outcome.Report.TimingsSeconds.Where(t => t.Key is not ("total" or "evaluate" or "manifest" or "read_data")).Sum(t => t.Value);
        Console.WriteLine(Invariant($"| {label} | {m.EmbeddedBytes:N0} | {m.SizeRatio:0.000} | {m.OriginalAccuracy:0.0000} → {m.CompressedAccuracy:0.0000} | {m.Agreement:0.0000} | {m.OriginalLatency!.P95Milliseconds * 1000:0} → {m.CompressedLatency!.P95Milliseconds * 1000:0} µs | {compressionSeconds:0.00} s |"));
    }

    // Issue target: static int8 with N calibration samples within 2× the time of N float inferences of the model.
    private static void QuantizationTime(Workspace workspace)
    {
        var recipe = workspace.Recipe("model: digits.onnx\nsteps:\n  - quantize: { weights: int8, calibration: { data: digits-test.csv, samples: 1000 } }\n");
        var bytes = File.ReadAllBytes(recipe.Model.Value);
        var model = OnnxModelFile.Parse(bytes, recipe.Model.Value);
        var data = CsvDatasetReader.Read(Path.Combine(workspace.Root, "digits-test.csv"), "label", labelRequired: true, null, null, Here);
        var outcome = new RecipeOptimizer(new OptimizationCache(workspace.Fresh("cache"))).Optimize(recipe, bytes, model, new OutputLayout(workspace.Fresh("out"), recipe.Id));
        var quantizeSeconds = outcome.Report.TimingsSeconds["calibrate"] + outcome.Report.TimingsSeconds["quantize"];

        using var runner = ModelRunner.Create(bytes, "digits");
        runner.RunBatches(data, runner.OutputNames, _ => { });
        var batched = Stopwatch.StartNew();
        runner.RunBatches(data, runner.OutputNames, _ => { });
        var batchedSeconds = batched.Elapsed.TotalSeconds;
        var single = Stopwatch.StartNew();
        for (var i = 0; i < data.Count; i++)
        {
            runner.RunSingle(data, i);
        }

        var singleSeconds = single.Elapsed.TotalSeconds;
        Console.WriteLine(Invariant($"Static int8 quantization of the digits model with N = {data.Count:N0} calibration samples: calibration + rewrite {quantizeSeconds * 1000:0} ms; {data.Count:N0} float inferences take {batchedSeconds * 1000:0} ms in batches of 64 (the way calibration runs them) and {singleSeconds * 1000:0} ms one by one: {quantizeSeconds / batchedSeconds:0.0}× and {quantizeSeconds / singleSeconds:0.0}× respectively."));
    }

    private static void PruningRow(string label, ModelProto model, int features)
    {
        var calibration = SyntheticModels.RandomInputs(128, features, seed: 1);
        var test = SyntheticModels.RandomInputs(300, features, seed: 2);
        var parameters = model.Graph.Initializer.Sum(t => Tensors.ElementCount(t.Dims));
        var (plain, _) = ChannelPruner.Apply(model, Step(reconstruct: false), calibration);
        var (reconstructed, report) = ChannelPruner.Apply(model, Step(reconstruct: true), calibration);

        var (reference, withoutReconstruction, withReconstruction, before, after) = ComparePruned(label, model, plain, reconstructed, test);
        Console.WriteLine(Invariant($"| {label} | {parameters:N0} | {report.MultiplyAddRatio:0.000} | {before:0.000} → {after:0.000} ms | {after / before:0.00} | {withoutReconstruction.AgreementWith(reference):0.000} | {withReconstruction.AgreementWith(reference):0.000} |"));

        PruneChannelsStep Step(bool reconstruct) => new(Here, new Located<double>(0.3, Here), ChannelImportance.L2,
            new Dictionary<string, Located<double>>(), [], reconstruct, PruneChannelsStep.DefaultRidgeLambda, null);
    }

    // The target for transformers: 25–30% of the heads removed, as multiply-adds and latency.
    private static void HeadPruningRow(string label, ModelProto model, IReadOnlyList<string> skip)
    {
        const int Features = 64 * 384;
        var calibration = SyntheticModels.RandomInputs(128, Features, seed: 1);
        var test = SyntheticModels.RandomInputs(100, Features, seed: 2);
        var step = new PruneChannelsStep(Here, new Located<double>(0.25, Here), ChannelImportance.L2,
            new Dictionary<string, Located<double>>(), skip, Reconstruct: false, PruneChannelsStep.DefaultRidgeLambda, null);
        var (plain, report) = ChannelPruner.Apply(model, step, calibration);
        var (reconstructed, _) = ChannelPruner.Apply(model, step with { Reconstruct = true }, calibration);
        var heads = report.Groups.First(g => g.HeadSize is not null);

        var (reference, withoutReconstruction, withReconstruction, before, after) = ComparePruned(label, model, plain, reconstructed, test);
        Console.WriteLine(Invariant($"| {label} | {heads.HeadsBefore} → {heads.HeadsAfter} | {report.MultiplyAddRatio:0.000} | {before:0.0} → {after:0.0} ms | {after / before:0.00} | {withoutReconstruction.MeanCosineSimilarityWith(reference):0.0000} | {withReconstruction.MeanCosineSimilarityWith(reference):0.0000} |"));
    }

    // The original and both pruned models evaluated on the test data, and the latency of the original and the reconstructed one.
    private static (ModelEvaluation Reference, ModelEvaluation Plain, ModelEvaluation Reconstructed, double Before, double After) ComparePruned(
        string label, ModelProto model, ModelProto plain, ModelProto reconstructed, LabeledDataset test)
    {
        using var original = ModelRunner.Create(model.ToByteArray(), label);
        using var plainRunner = ModelRunner.Create(plain.ToByteArray(), label);
        using var reconstructedRunner = ModelRunner.Create(reconstructed.ToByteArray(), label);
        var (before, after) = InterleavedMedianLatency(original, reconstructedRunner, test);
        return (ModelEvaluation.Run(original, test, Here), ModelEvaluation.Run(plainRunner, test, Here), ModelEvaluation.Run(reconstructedRunner, test, Here), before, after);
    }

    // The median over rounds of each model's p50, the two probed turn about: load from other processes on a shared
    // machine then weighs on both sides alike instead of skewing the ratio.
    private static (double Before, double After) InterleavedMedianLatency(ModelRunner before, ModelRunner after, LabeledDataset data)
    {
        const int Rounds = 7;
        var timings = Enumerable.Range(0, Rounds)
            .Select(_ => (Before: LatencyProbe.Measure(before, data).P50Milliseconds, After: LatencyProbe.Measure(after, data).P50Milliseconds))
            .ToArray();
        return (Median(timings.Select(t => t.Before)), Median(timings.Select(t => t.After)));

        static double Median(IEnumerable<double> values) => values.Order().ElementAt(Rounds / 2);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A temporary folder holding the digits model and data, where recipes are written and run.</summary>
    private sealed class Workspace : IDisposable
    {
        private int _counter;

        public Workspace()
        {
            Root = Directory.CreateTempSubdirectory("edgeml-bench-").FullName;
            foreach (var file in new[] { "digits.onnx", "digits-test.csv" })
            {
                File.Copy(DigitsModels.PathOf(file), Path.Combine(Root, file));
            }
        }

        public string Root { get; }

        public Recipe Recipe(string yaml)
        {
            var path = Path.Combine(Root, $"r{++_counter}.edgeml.yaml");
            File.WriteAllText(path, yaml);
            return RecipeParser.Load(path);
        }

        public string Fresh(string name) => Path.Combine(Root, $"{name}{++_counter}");

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
