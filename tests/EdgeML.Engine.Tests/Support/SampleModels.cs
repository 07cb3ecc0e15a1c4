namespace EdgeML.Engine.Tests.Support;

/// <summary>The digits sample's real model and data (trained on MNIST, see samples/Digits.Trainer).</summary>
internal static class SampleModels
{
    public static string DigitsModel => System.IO.Path.Combine(Root, "samples", "Digits", "models", "digits.onnx");

    public static string DigitsData => System.IO.Path.Combine(Root, "samples", "Digits", "models", "digits-test.csv");

    private static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "EdgeML.Build.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("EdgeML.Build.sln not found above the test assembly");
    }
}
