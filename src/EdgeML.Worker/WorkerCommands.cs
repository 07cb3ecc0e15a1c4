using System.CommandLine;

namespace EdgeML.Worker;

/// <summary>The `edgeml` command line: `optimize` (what a build runs) and `inspect`.</summary>
internal static class WorkerCommands
{
    public static RootCommand Create()
    {
        var root = new RootCommand("EdgeML.Build: compress ONNX models from recipes, verify them, and generate typed inference classes.");
        root.Subcommands.Add(CreateOptimize());
        root.Subcommands.Add(CreateInspect());
        return root;
    }

    private static Command CreateOptimize()
    {
        var recipes = new Argument<FileInfo[]>("recipes") { Description = "Recipe files (*.edgeml.yaml).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo>("--output") { Description = "Folder for the compressed models, generated code and reports.", DefaultValueFactory = _ => new DirectoryInfo("edgeml-out") };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = "Folder of the content-addressed result cache (default: <output>/cache)." };
        var ns = new Option<string?>("--namespace") { Description = "Namespace of generated classes whose recipe names none." };
        var generateOnly = new Option<bool>("--generate-only") { Description = "Only generate the inference classes (what design-time builds need); no compression." };
        var command = new Command("optimize", "Compress, evaluate and gate each recipe's model; write the model, its report and its inference class.")
        {
            recipes, output, cache, ns, generateOnly,
        };
        command.SetAction(parse =>
        {
            var outputDirectory = parse.GetValue(output)!.FullName;
            var request = new OptimizeRequest(
                parse.GetValue(recipes)!.Select(f => f.FullName).ToArray(),
                outputDirectory,
                parse.GetValue(cache)?.FullName ?? Path.Combine(outputDirectory, "cache"),
                parse.GetValue(ns),
                parse.GetValue(generateOnly));
            return new OptimizeCommand(Console.Out).Run(request);
        });
        return command;
    }

    private static Command CreateInspect()
    {
        var model = new Argument<FileInfo>("model") { Description = "An ONNX model file." };
        var command = new Command("inspect", "Print a model's inputs, outputs, opsets and operators.") { model };
        command.SetAction(parse => new InspectCommand(Console.Out).Run(parse.GetValue(model)!.FullName));
        return command;
    }
}
