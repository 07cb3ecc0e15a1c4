using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using EdgeML.Build.Tests.Infrastructure;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Reporting;
using EdgeML.Runtime;

namespace EdgeML.Build.Tests;

/// <summary>
/// The product as a user meets it: the packed package, a fresh project, a real `dotnet build`, a real run.
/// </summary>
[TestClass]
public sealed class EndToEndTests
{
    private const string OptimizeRan = "Task \"EdgeMLOptimize\"";
    private const string OptimizeSkipped = "Skipping target \"EdgeMLOptimize\" because all output files are up-to-date";

    [TestMethod]
    public void BuildCompressesEmbedsAndPredictsLikeTheQuantizedModel()
    {
        var project = new ConsumerProject("predict");

        var build = project.Build().AssertSucceeded("the first build");
        var run = project.Run().AssertSucceeded("running the app");

        StringAssert.Contains(build.Output, "EdgeML: digits:", "the build says what it did");
        var output = project.EdgeMLOutput();
        var report = OptimizationReport.FromJson(File.ReadAllText(Path.Combine(output, "digits.report.json")));
        Assert.IsTrue(report.Passed);
        Assert.IsLessThan(0.27, report.Measurements.SizeRatio, "int8 weights: about a quarter of the float size");

        var predictions = ParsePredictions(run.Output);
        var data = CsvDatasetReader.Read(project.DataPath, "label", labelRequired: true, null, null, new SourceLocation(project.DataPath));
        Assert.HasCount(data.Count, predictions);
        var quantized = Evaluate(Path.Combine(output, "digits.onnx"), data);
        var original = Evaluate(project.ModelPath, data);
        for (var i = 0; i < predictions.Count; i++)
        {
            CollectionAssert.AreEqual(quantized.Outputs.AsSpan(i * 10, 10).ToArray(), predictions[i].Scores, $"sample {i}: Predict runs exactly the embedded, quantized model");
            Assert.AreEqual(LabelNames[predictions[i].Index], predictions[i].Label);
        }

        var agreement = predictions.Zip(original.Predictions).Count(p => p.First.Index == p.Second) / (double)predictions.Count;
        Assert.IsGreaterThanOrEqualTo(0.97, agreement, "the quantized model predicts what the original predicts");
        var embedded = EmbeddedResourceLength(Path.Combine(project.Directory, "bin", "Debug", "net10.0", "Consumer.dll"), "EdgeML/digits.onnx");
        Assert.AreEqual(new FileInfo(Path.Combine(output, "digits.onnx")).Length, embedded, "the compressed model is what is embedded");
    }

    [TestMethod]
    public void APrunedModelIsEmbeddedBrotliCompressedAndRunsLikeItsOnnxForm()
    {
        var project = new ConsumerProject("pruned");
        project.Write(ConsumerProject.RecipeRelativePath, ConsumerProject.DigitsRecipe.Replace(
            "steps:\n", "steps:\n  - prune_channels:\n      ratio: 0.2\n  - prune:\n      sparsity: 0.5\n", StringComparison.Ordinal));

        project.Build().AssertSucceeded("the build with pruning steps");
        var run = project.Run().AssertSucceeded("running the app");

        var output = project.EdgeMLOutput();
        var report = OptimizationReport.FromJson(File.ReadAllText(Path.Combine(output, "digits.report.json")));
        Assert.IsLessThanOrEqualTo(0.18, report.Measurements.SizeRatio, "pruned, quantized and Brotli-stored");
        var assembly = Path.Combine(project.Directory, "bin", "Debug", "net10.0", "Consumer.dll");
        Assert.AreEqual(report.Measurements.EmbeddedBytes, EmbeddedResourceLength(assembly, "EdgeML/digits.onnx.br"));
        Assert.IsNull(EmbeddedResourceLengthOrNull(assembly, "EdgeML/digits.onnx"), "only the compressed form is embedded");
        var data = CsvDatasetReader.Read(project.DataPath, "label", labelRequired: true, null, null, new SourceLocation(project.DataPath));
        var expected = Evaluate(Path.Combine(output, "digits.onnx"), data);
        CollectionAssert.AreEqual(expected.Predictions, ParsePredictions(run.Output).Select(p => p.Index).ToArray(), "the expanded model is the one the build evaluated");
    }

    [TestMethod]
    public void ANoOpRebuildSkipsCompressionAndAChangedInputRunsItAgain()
    {
        var project = new ConsumerProject("incremental");
        var first = project.Build().AssertSucceeded("the first build");
        StringAssert.Contains(first.Output, OptimizeRan);

        var second = project.Build().AssertSucceeded("the no-op rebuild");
        StringAssert.Contains(second.Output, OptimizeSkipped);
        Assert.DoesNotContain(OptimizeRan, second.Output);

        File.AppendAllText(project.DataPath, string.Empty);
        File.SetLastWriteTimeUtc(project.DataPath, DateTime.UtcNow);
        var third = project.Build().AssertSucceeded("the build after touching the data");
        StringAssert.Contains(third.Output, OptimizeRan, "touching the validation data reruns the step");
        StringAssert.Contains(third.Output, "(from cache)", "unchanged content is served from the cache");

        project.Write(ConsumerProject.RecipeRelativePath, ConsumerProject.DigitsRecipe.Replace("max_drop: 0.02", "max_drop: 0.03", StringComparison.Ordinal));
        var fourth = project.Build().AssertSucceeded("the build after editing the recipe");
        StringAssert.Contains(fourth.Output, OptimizeRan);
        Assert.DoesNotContain("(from cache)", fourth.Output, "a changed recipe is optimized afresh");
    }

    [TestMethod]
    public void AnImageFolderIsValidatedOnAndAnAddedOrRemovedImageRunsTheOptimizationAgain()
    {
        var project = new ConsumerProject("images");
        var digits = CsvDatasetReader.Read(project.DataPath, "label", labelRequired: true, null, null, new SourceLocation(project.DataPath));
        for (var i = 0; i < 150; i++)
        {
            WriteDigit(Path.Combine(project.Directory, "models", "val", LabelNames[digits.Labels![i]], $"{i:D3}.png"), digits.Sample(i));
        }

        project.Write(ConsumerProject.RecipeRelativePath, ConsumerProject.DigitsRecipe.Replace(
            "  data: digits-test.csv\n", "  data: val\n  preprocess: { resize: [28, 28], channels: grayscale }\n", StringComparison.Ordinal));
        var first = project.Build().AssertSucceeded("the build validating on images");
        StringAssert.Contains(first.Output, OptimizeRan);
        var report = OptimizationReport.FromJson(File.ReadAllText(Path.Combine(project.EdgeMLOutput(), "digits.report.json")));
        Assert.IsGreaterThan(0.9, report.Measurements.OriginalAccuracy!.Value, "class folders named by the recipe's labels are the digits' classes");
        Assert.AreEqual(CalibrationSpec.DefaultSamples, report.Steps.Single(step => step.Step == "quantize").CalibrationSamples, "calibrated on a sample of the images");

        var second = project.Build().AssertSucceeded("the no-op rebuild");
        StringAssert.Contains(second.Output, OptimizeSkipped, "a folder of images is no reason to rerun");

        var added = Path.Combine(project.Directory, "models", "val", "seven", "new.png");
        WriteDigit(added, digits.Sample(150));
        var third = project.Build().AssertSucceeded("the build after adding an image");
        StringAssert.Contains(third.Output, OptimizeRan, "a new image reruns the step");
        Assert.DoesNotContain("(from cache)", third.Output, "and changes the result's key");

        File.Delete(added);
        var fourth = project.Build().AssertSucceeded("the build after removing it");
        StringAssert.Contains(fourth.Output, OptimizeRan, "a removed image reruns the step");
        StringAssert.Contains(fourth.Output, "(from cache)", "the first build's result fits again");
    }

    [TestMethod]
    public void ATooStrictGateFailsTheBuildAtTheRecipeLine()
    {
        var project = new ConsumerProject("strict-gate");
        project.Write(ConsumerProject.RecipeRelativePath, ConsumerProject.DigitsRecipe.Replace("max_drop: 0.02", "min: 0.999", StringComparison.Ordinal));
        var minLine = Array.FindIndex(File.ReadAllLines(project.RecipePath), l => l.Trim() == "min: 0.999") + 1;

        var build = project.Build();

        Assert.AreNotEqual(0, build.ExitCode, "the build fails");
        StringAssert.Matches(build.Output, new Regex($@"digits\.edgeml\.yaml\({minLine},\d+\): error EDGEML4001: accuracy gate failed: .* below the minimum 0\.9990"));
        Assert.IsFalse(File.Exists(Path.Combine(project.EdgeMLOutput(), "digits.onnx")), "no model that failed its gate is left to embed");
        AssertNoStackTrace(build.Output);
    }

    [TestMethod]
    public void ABrokenRecipeGivesItsDocumentedErrorAndNoStackTrace()
    {
        var project = new ConsumerProject("broken-recipe");
        project.Write(ConsumerProject.RecipeRelativePath, ConsumerProject.DigitsRecipe.Replace("validation:", "validaton:", StringComparison.Ordinal));

        var build = project.Build();

        Assert.AreNotEqual(0, build.ExitCode);
        var line = Array.FindIndex(File.ReadAllLines(project.RecipePath), l => l.StartsWith("validaton:", StringComparison.Ordinal)) + 1;
        StringAssert.Matches(build.Output, new Regex($@"digits\.edgeml\.yaml\({line},1\): error EDGEML1002: .*'validaton'.*did you mean 'validation'"));
        AssertNoStackTrace(build.Output);
    }

    [TestMethod]
    public void ACorruptModelIsAClearError()
    {
        var project = new ConsumerProject("corrupt-model");
        File.WriteAllBytes(project.ModelPath, [0x0A, 0xFF, 0xFF, 0x01]);

        var build = project.Build();

        Assert.AreNotEqual(0, build.ExitCode);
        StringAssert.Matches(build.Output, new Regex(@"digits\.edgeml\.yaml\(1,\d+\): error EDGEML2001: .*not a valid ONNX model"));
        AssertNoStackTrace(build.Output);
    }

    [TestMethod]
    public void DesignTimeBuildsGenerateTheClassWithoutCompressing()
    {
        var project = new ConsumerProject("design-time");

        // What Visual Studio asks for: the compiler's inputs, without running the compiler.
        var build = DotNet.Run(project.Directory, "msbuild", "-restore", "-t:Compile", "-nr:false", "-v:detailed",
                "-p:TargetFramework=net10.0", "-p:DesignTimeBuild=true", "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true")
            .AssertSucceeded("the design-time build");

        var output = project.EdgeMLOutput();
        Assert.IsTrue(File.Exists(Path.Combine(output, "digits.g.cs")), "IntelliSense gets the generated class");
        Assert.IsFalse(File.Exists(Path.Combine(output, "digits.onnx")), "no compression in design-time builds");
        Assert.DoesNotContain("EdgeML: digits:", build.Output);
        StringAssert.Matches(build.Output, new Regex(@"csc\s.*edgeml/digits\.g\.cs"), "the class is on the compiler's command line");
    }

    [TestMethod]
    public void AMultiTargetedProjectOptimizesOnce()
    {
        var project = new ConsumerProject("multi-target", targetFrameworks: "net8.0;net10.0");

        var build = project.Build().AssertSucceeded("the multi-targeted build");

        var summaries = Regex.Matches(build.Output, @"^\s*EdgeML: digits: .*\((?<source>from cache|[\d.]+ s)\)$", RegexOptions.Multiline)
            .Select(m => m.Groups["source"].Value)
            .ToArray();
        Assert.HasCount(2, summaries, "each target framework reports once");
        Assert.HasCount(1, summaries.Where(s => s == "from cache").ToArray(), "exactly one target framework did the work; the other reused it");
        foreach (var framework in new[] { "net8.0", "net10.0" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(project.EdgeMLOutput(framework), "digits.onnx")), framework);
        }
    }

    [TestMethod]
    public void ATrimmedSelfContainedAppRunsTheEmbeddedModel()
    {
        var project = new ConsumerProject("trimmed", targetFrameworks: "net8.0", digits: 50);
        var publishDirectory = Path.Combine(project.Directory, "published");

        // TreatWarningsAsErrors is on in the consumer: any trim warning from the runtime or generated code fails this.
        DotNet.Run(project.Directory, "publish", "-nr:false", "-c", "Release", "-f", "net8.0", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained",
                "-p:PublishTrimmed=true", "-o", publishDirectory, "-bl:publish.binlog")
            .AssertSucceeded("the trimmed publish");
        var run = ProcessRunner.Run(Path.Combine(publishDirectory, "Consumer"), [project.DataPath], project.Directory).AssertSucceeded("running the trimmed app");

        var predictions = ParsePredictions(run.Output);
        var data = CsvDatasetReader.Read(project.DataPath, "label", labelRequired: true, null, null, new SourceLocation(project.DataPath));
        var quantized = Evaluate(Path.Combine(project.EdgeMLOutput("net8.0", "Release", RuntimeInformation.RuntimeIdentifier), "digits.onnx"), data);
        Assert.HasCount(data.Count, predictions);
        CollectionAssert.AreEqual(quantized.Predictions, predictions.Select(p => p.Index).ToArray(), "the trimmed app predicts like the embedded model");
    }

    [TestMethod]
    public void AFloatFallbackIsEmbeddedOnlyWhenTheRecipeAsksForIt()
    {
        var project = new ConsumerProject("fallback");
        project.Write(ConsumerProject.RecipeRelativePath, ConsumerProject.DigitsRecipe.Replace("labels:", "fallback: float\nlabels:", StringComparison.Ordinal));
        project.Write("Program.cs", """
            using Consumer.Models;

            using var model = DigitClassifier.Create();
            model.Warmup();
            Console.WriteLine($"{DigitClassifier.FallbackResourceName} {model.ExecutionProvider}");
            """);

        project.Build().AssertSucceeded("the build with a fallback model");
        var run = project.Run().AssertSucceeded("running the app");

        StringAssert.Contains(run.Output, "EdgeML/digits.fallback.onnx Cpu");
        var assembly = Path.Combine(project.Directory, "bin", "Debug", "net10.0", "Consumer.dll");
        Assert.AreEqual(new FileInfo(project.ModelPath).Length, EmbeddedResourceLength(assembly, "EdgeML/digits.fallback.onnx"), "the original float model is embedded as the fallback");

        project.Write(ConsumerProject.RecipeRelativePath, ConsumerProject.DigitsRecipe);
        project.Write("Program.cs", ConsumerProject.PredictionPrinter);
        project.Build().AssertSucceeded("the build without a fallback model");
        Assert.IsNull(EmbeddedResourceLengthOrNull(assembly, "EdgeML/digits.fallback.onnx"), "dropping the fallback from the recipe drops the resource");
    }

    [TestMethod]
    public void TheBuildSignsAnUpdateThatTheRuntimeAcceptsOnce()
    {
        var project = new ConsumerProject("signed");
        project.Write(ConsumerProject.RecipeRelativePath, "model_version: 3\n" + ConsumerProject.DigitsRecipe);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = Path.Combine(TestPackages.WorkRoot, $"signing-{Guid.NewGuid():N}.pem");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        project.Write("Program.cs", """
            using Consumer.Models;

            using var model = DigitClassifier.Create();
            var validation = model.Validate();
            Console.WriteLine($"validated {validation.Samples} max deviation {validation.MaxAbsoluteDeviation}");
            """);

        project.Build("-p:EdgeMLSignUpdates=true", $"-p:EdgeMLSigningKeyFile={keyFile}").AssertSucceeded("the signing build");
        var run = project.Run().AssertSucceeded("running the self-test");

        StringAssert.Contains(run.Output, "validated 8 max deviation 0", "the golden samples replay exactly on the build machine");
        var output = project.EdgeMLOutput();
        var package = File.ReadAllBytes(Path.Combine(output, "digits.edgeml-update"));
        using var publicKey = ECDsa.Create(key.ExportParameters(includePrivateParameters: false));
        var versions = new InMemoryModelVersionStore();
        var update = EdgeMLModelUpdate.Verify(package, publicKey, versions, "digits");
        Assert.AreEqual(3, update.Version);
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(output, "digits.onnx")), update.Model, "the package carries the compressed model");
        Assert.ThrowsExactly<EdgeMLUpdateRejectedException>(() => EdgeMLModelUpdate.Verify(package, publicKey, versions, "digits"), "the same version is not accepted twice");
        var pem = File.ReadAllText(keyFile);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(project.Directory, "obj"), "*", SearchOption.AllDirectories).Concat(Directory.EnumerateFiles(Path.Combine(project.Directory, "bin"), "*", SearchOption.AllDirectories)))
        {
            Assert.DoesNotContain(pem.Split('\n')[1], File.ReadAllText(file), $"the private key must not reach {file}");
        }
    }

    /// <summary>A digit's [0, 1] pixels as a 28×28 grayscale PNG.</summary>
    private static void WriteDigit(string path, ReadOnlySpan<float> pixels)
    {
        var bytes = new byte[pixels.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)Math.Round(pixels[i] * 255);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        new StbImageWriteSharp.ImageWriter().WritePng(bytes, 28, 28, StbImageWriteSharp.ColorComponents.Grey, stream);
    }

    private static readonly string[] LabelNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    private sealed record Prediction(int Index, string Label, float[] Scores);

    private static List<Prediction> ParsePredictions(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length == 12)
            .Select(parts => new Prediction(int.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2..].Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray()))
            .ToList();

    private static ModelEvaluation Evaluate(string modelPath, LabeledDataset data)
    {
        using var runner = ModelRunner.Create(File.ReadAllBytes(modelPath), modelPath);
        return ModelEvaluation.Run(runner, data, new SourceLocation(modelPath));
    }

    private static long EmbeddedResourceLength(string assemblyPath, string resourceName) =>
        EmbeddedResourceLengthOrNull(assemblyPath, resourceName) ?? throw new AssertFailedException($"{resourceName} is not embedded in {assemblyPath}");

    private static long? EmbeddedResourceLengthOrNull(string assemblyPath, string resourceName)
    {
        var context = new System.Runtime.Loader.AssemblyLoadContext("inspect", isCollectible: true);
        try
        {
            using var stream = context.LoadFromStream(new MemoryStream(File.ReadAllBytes(assemblyPath))).GetManifestResourceStream(resourceName);
            return stream?.Length;
        }
        finally
        {
            context.Unload();
        }
    }

    private static void AssertNoStackTrace(string output)
    {
        Assert.DoesNotMatchRegex(new Regex(@"^\s+at \S+\(.*\) in |Unhandled exception|\bat EdgeML\.", RegexOptions.Multiline), output, "no stack trace reaches the user");
    }
}
