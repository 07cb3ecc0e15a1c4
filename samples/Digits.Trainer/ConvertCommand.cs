namespace Digits.Trainer;

/// <summary><c>convert</c>: turns the npm package's JSON digits into the committed training file and test CSV.</summary>
internal static class ConvertCommand
{
    public static int Run(string packageDirectory)
    {
        var (train, test) = DigitSplit.Split(MnistNpmPackage.ReadImagesByDigit(packageDirectory));

        Directory.CreateDirectory(Path.GetDirectoryName(SamplePaths.TrainingSet)!);
        Directory.CreateDirectory(SamplePaths.ModelsDirectory);
        TrainingSetFile.Write(train, SamplePaths.TrainingSet);
        TestSetCsv.Write(test, SamplePaths.TestSet);

        Console.WriteLine($"wrote {train.Count} training digits to {SamplePaths.TrainingSet}");
        Console.WriteLine($"wrote {test.Count} test digits to {SamplePaths.TestSet}");
        return 0;
    }
}
