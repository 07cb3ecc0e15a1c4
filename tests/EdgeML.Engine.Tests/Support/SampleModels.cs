namespace EdgeML.Engine.Tests.Support;

/// <summary>The digits sample's real model and data (trained on MNIST, see samples/Digits.Trainer).</summary>
internal static class SampleModels
{
    public static string DigitsModel => RepositoryRoot.PathOf("samples/Digits/models/digits.onnx");

    public static string DigitsData => RepositoryRoot.PathOf("samples/Digits/models/digits-test.csv");
}
