using System.CommandLine;

namespace EdgeML.Worker;

/// <summary>The `edgeml` command line: `optimize` (what a build runs), `inspect`, and `keygen`, `sign`, `verify` for signed model updates.</summary>
internal static class WorkerCommands
{
    public static RootCommand Create()
    {
        var root = new RootCommand("EdgeML.Build: compress ONNX models from recipes, verify them, and generate typed inference classes.");
        root.Subcommands.Add(CreateOptimize());
        root.Subcommands.Add(CreateInspect());
        root.Subcommands.Add(CreateKeygen());
        root.Subcommands.Add(CreateSign());
        root.Subcommands.Add(CreateVerify());
        return root;
    }

    private static Command CreateOptimize()
    {
        var recipes = new Argument<FileInfo[]>("recipes") { Description = "Recipe files (*.edgeml.yaml).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo>("--output") { Description = "Folder for the compressed models, generated code and reports.", DefaultValueFactory = _ => new DirectoryInfo("edgeml-out") };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = "Folder of the content-addressed result cache (default: <output>/cache)." };
        var ns = new Option<string?>("--namespace") { Description = "Namespace of generated classes whose recipe names none." };
        var generateOnly = new Option<bool>("--generate-only") { Description = "Only generate the inference classes (what design-time builds need); no compression." };
        var sign = new Option<bool>("--sign") { Description = "Also write a signed update package (<recipe>.edgeml-update) for each recipe that passes; the recipe needs model_version." };
        var signingKey = new Option<FileInfo?>("--signing-key") { Description = "The PEM private key to sign with (default: the EDGEML_SIGNING_KEY environment variable)." };
        var command = new Command("optimize", "Compress, evaluate and gate each recipe's model; write the model, its report and its inference class.")
        {
            recipes, output, cache, ns, generateOnly, sign, signingKey,
        };
        command.SetAction(parse =>
        {
            var outputDirectory = parse.GetValue(output)!.FullName;
            var request = new OptimizeRequest(
                parse.GetValue(recipes)!.Select(f => f.FullName).ToArray(),
                outputDirectory,
                parse.GetValue(cache)?.FullName ?? Path.Combine(outputDirectory, "cache"),
                parse.GetValue(ns),
                parse.GetValue(generateOnly),
                parse.GetValue(sign),
                parse.GetValue(signingKey)?.FullName);
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

    // The signing commands write to the invocation's output (Console.Out unless a caller such as a test redirects it).
    private static Command CreateKeygen()
    {
        var privateKey = new Option<FileInfo>("--private-key") { Description = "Where to write the new private key (PEM); never overwritten.", Required = true };
        var publicKey = new Option<FileInfo>("--public-key") { Description = "Where to write the new public key (PEM), to embed in apps; never overwritten.", Required = true };
        var command = new Command("keygen", "Create an ECDSA P-256 key pair for signing model updates.") { privateKey, publicKey };
        command.SetAction(parse => new UpdateSigningCommands(parse.InvocationConfiguration.Output)
            .Keygen(parse.GetValue(privateKey)!.FullName, parse.GetValue(publicKey)!.FullName));
        return command;
    }

    private static Command CreateSign()
    {
        var model = new Argument<FileInfo>("model") { Description = "The ONNX model to ship." };
        var name = new Option<string>("--name") { Description = "The model's name, which devices check.", Required = true };
        var version = new Option<long>("--version") { Description = "The update's version: a whole number, higher than any shipped before.", Required = true };
        var key = new Option<FileInfo?>("--key") { Description = "The private key (PEM); omit to read it from the EDGEML_SIGNING_KEY environment variable." };
        var output = new Option<FileInfo>("--output") { Description = "The package to write (*.edgeml-update).", Required = true };
        var command = new Command("sign", "Sign a model as an over-the-air update package.") { model, name, version, key, output };
        command.SetAction(parse => new UpdateSigningCommands(parse.InvocationConfiguration.Output).Sign(
            parse.GetValue(model)!.FullName, parse.GetValue(name)!, parse.GetValue(version), parse.GetValue(key)?.FullName, parse.GetValue(output)!.FullName));
        return command;
    }

    private static Command CreateVerify()
    {
        var package = new Argument<FileInfo>("package") { Description = "An update package made by `edgeml sign`." };
        var publicKey = new Option<FileInfo>("--public-key") { Description = "The trusted public key (PEM).", Required = true };
        var name = new Option<string?>("--name") { Description = "The model name the package must hold." };
        var command = new Command("verify", "Check an update package's signature, model hash and name as a device would.") { package, publicKey, name };
        command.SetAction(parse => new UpdateSigningCommands(parse.InvocationConfiguration.Output)
            .Verify(parse.GetValue(package)!.FullName, parse.GetValue(publicKey)!.FullName, parse.GetValue(name)));
        return command;
    }
}
