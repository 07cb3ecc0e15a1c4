namespace EdgeML.Build.Tests.Infrastructure;

/// <summary>
/// A fresh app in its own folder that references the packed EdgeML.Build like a user's project would,
/// with the digits model and data beside a recipe. Builds keep a binary log next to the project.
/// </summary>
internal sealed class ConsumerProject
{
    public const string DigitsRecipe = """
        model: digits.onnx
        class: DigitClassifier
        namespace: Consumer.Models
        labels: [zero, one, two, three, four, five, six, seven, eight, nine]
        steps:
          - quantize:
              weights: int8
        validation:
          data: digits-test.csv
        gates:
          accuracy:
            max_drop: 0.02
        """;

    private int _builds;

    public ConsumerProject(string name, string targetFrameworks = "net10.0", int digits = 300)
    {
        Directory = Path.Combine(TestPackages.WorkRoot, "consumers", $"{name}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "models"));
        Write("nuget.config", TestPackages.NuGetConfig);
        Write("Consumer.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFrameworks>{targetFrameworks}</TargetFrameworks>
                <RollForward>Major</RollForward>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RootNamespace>Consumer</RootNamespace>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="EdgeML.Build" Version="{TestPackages.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.Copy(Path.Combine(RepositoryPaths.DigitsModels, "digits.onnx"), ModelPath);
        File.WriteAllLines(DataPath, File.ReadLines(Path.Combine(RepositoryPaths.DigitsModels, "digits-test.csv")).Take(digits + 1));
        Write(RecipeRelativePath, DigitsRecipe);
        Write("Program.cs", PredictionPrinter);
    }

    /// <summary>Prints, for each CSV row given on the command line, the predicted class index, label and scores.</summary>
    public const string PredictionPrinter = """
        using System.Globalization;
        using Consumer.Models;

        using var model = DigitClassifier.Create();
        foreach (var line in File.ReadLines(args[0]).Skip(1))
        {
            var pixels = line.Split(',').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var prediction = model.Predict(pixels);
            Console.WriteLine(string.Join(' ', new[] { prediction.Index.ToString(CultureInfo.InvariantCulture), prediction.Label ?? "?" }
                .Concat(prediction.Scores.Select(s => s.ToString("R", CultureInfo.InvariantCulture)))));
        }
        """;

    public const string RecipeRelativePath = "models/digits.edgeml.yaml";

    public string Directory { get; }

    public string ModelPath => Path.Combine(Directory, "models", "digits.onnx");

    public string DataPath => Path.Combine(Directory, "models", "digits-test.csv");

    public string RecipePath => Path.Combine(Directory, RecipeRelativePath);

    public string EdgeMLOutput(string targetFramework = "net10.0", string configuration = "Debug", string runtimeIdentifier = "") =>
        Path.Combine(Directory, "obj", configuration, targetFramework, runtimeIdentifier, "edgeml");

    public void Write(string relativePath, string text)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>`dotnet build` at detailed verbosity, so skipped and run targets show in the output.</summary>
    public ProcessResult Build(params string[] extraArguments) =>
        DotNet.Run(Directory, ["build", "-nr:false", "-v:detailed", $"-bl:build-{++_builds}.binlog", .. extraArguments]);

    public ProcessResult Run(string targetFramework = "net10.0") =>
        DotNet.Run(Directory, "run", "--no-build", "--framework", targetFramework, "--", DataPath);
}
