using System.Globalization;
using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;
using EdgeML.Engine.Security;

namespace EdgeML.Worker;

/// <summary>
/// `edgeml optimize`: for each recipe, generate the inference class, record the files the result depends
/// on, and (unless generating only) compress, evaluate and gate the model. One recipe's failure does not
/// stop the others, so a build reports every problem at once.
/// </summary>
internal sealed class OptimizeCommand(TextWriter output)
{
    public int Run(OptimizeRequest request)
    {
        var diagnostics = new DiagnosticWriter(output);
        var optimizer = new RecipeOptimizer(new OptimizationCache(request.CacheDirectory));
        var recipeIds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipePath in request.Recipes)
        {
            try
            {
                var recipe = RecipeParser.Load(recipePath);
                if (!recipeIds.TryAdd(recipe.Id, recipePath))
                {
                    throw new EdgeMLException(DiagnosticCodes.RecipeDuplicate,
                        $"another recipe in this project has the id '{recipe.Id}' ({recipeIds[recipe.Id]}); recipe file names must be unique within a project",
                        new SourceLocation(recipePath));
                }

                Process(recipe, request, optimizer, diagnostics);
            }
            catch (EdgeMLException e)
            {
                diagnostics.Write(e.Diagnostic);
            }
            catch (Exception e)
            {
                diagnostics.WriteInternalError(e, $"processing '{recipePath}'", request.OutputDirectory);
            }
        }

        return diagnostics.ErrorCount == 0 ? 0 : 1;
    }

    private static void Process(Recipe recipe, OptimizeRequest request, RecipeOptimizer optimizer, DiagnosticWriter diagnostics)
    {
        var layout = new OutputLayout(request.OutputDirectory, recipe.Id);
        // External tensor data is read into the model (the embedded model must be self-contained) and, like every
        // file the result depends on, listed for the next build's up-to-date check.
        var original = OnnxModelFile.Read(recipe.Model.Value, recipe.Model.Location);
        AtomicFile.WriteAllText(layout.Code, InferenceClassEmitter.Emit(recipe, original.Model, request.DefaultNamespace));
        AtomicFile.WriteAllText(layout.Dependencies, string.Join('\n', DependencyList.Lines(recipe, original.ExternalDataFiles)) + "\n");
        if (request.GenerateOnly)
        {
            return;
        }

        var outcome = optimizer.Optimize(recipe, original.Bytes, original.Model, layout, original.ExternalDataFiles);
        foreach (var diagnostic in outcome.Diagnostics)
        {
            diagnostics.Write(diagnostic);
        }

        if (outcome.Succeeded && request.SignUpdates)
        {
            SignUpdate(recipe, layout, request.SigningKeyPath);
        }

        diagnostics.Info(Summarize(recipe.Id, outcome));
    }

    // The key is read from its file or environment variable for this one signature and never written anywhere.
    private static void SignUpdate(Recipe recipe, OutputLayout layout, string? signingKeyPath)
    {
        if (recipe.ModelVersion is not { } version)
        {
            throw new EdgeMLException(DiagnosticCodes.UpdateMetadataInvalid,
                "signing an update package needs the model's version: add 'model_version: <number>' to the recipe", new SourceLocation(recipe.FilePath, 1, 1));
        }

        using var key = SigningKeys.LoadPrivate(signingKeyPath);
        AtomicFile.WriteAllBytes(layout.UpdatePackage, ModelUpdateSigner.Sign(File.ReadAllBytes(layout.Model), recipe.Id, version.Value, key));
    }

    private static string Summarize(string recipeId, OptimizationOutcome outcome)
    {
        var m = outcome.Report.Measurements;
        var parts = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{m.OriginalBytes:N0} → {m.EmbeddedBytes:N0} bytes embedded ({m.SizeRatio:0.00}×)"),
        };
        if (m.OriginalAccuracy is { } before && m.CompressedAccuracy is { } after)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"accuracy {before:0.0000} → {after:0.0000}"));
        }

        if (m.Agreement is { } agreement)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"agreement {agreement:0.0000}"));
        }

        if (m.OriginalLatency is { } slow && m.CompressedLatency is { } fast)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"p95 latency {slow.P95Milliseconds:0.000} → {fast.P95Milliseconds:0.000} ms"));
        }

        var verdict = outcome.Succeeded ? "passed" : "FAILED its gates";
        var source = outcome.FromCache ? "from cache" : string.Create(CultureInfo.InvariantCulture, $"{outcome.Report.TimingsSeconds.GetValueOrDefault("total"):0.0} s");
        return $"{recipeId}: {string.Join(", ", parts)}; {verdict} ({source})";
    }
}
