using System.Reflection;

namespace Digits.Trainer;

/// <summary>Where the trainer reads and writes its files, relative to the project directory recorded at build time.</summary>
internal static class SamplePaths
{
    private static readonly string ProjectDirectory = typeof(SamplePaths).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ProjectDirectory").Value!;

    public static string TrainingSet => Path.Combine(ProjectDirectory, "data", "mnist-train.bin.gz");

    public static string ModelsDirectory => Path.GetFullPath(Path.Combine(ProjectDirectory, "..", "Digits", "models"));

    public static string TestSet => Path.Combine(ModelsDirectory, "digits-test.csv");

    public static string Model => Path.Combine(ModelsDirectory, "digits.onnx");
}
