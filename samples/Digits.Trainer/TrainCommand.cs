using System.Diagnostics;
using EdgeML.Engine.Onnx;

namespace Digits.Trainer;

/// <summary><c>train</c>: trains the MLP on the committed data, writes digits.onnx and checks it in ONNX Runtime.</summary>
internal static class TrainCommand
{
    // A fixed seed makes the weight initialisation and batch order, and so the model, the same on every run.
    private const int Seed = 20240517;
    private const int Epochs = 15;
    private const int BatchSize = 64;
    private const int MaxShift = 2;
    private const float InitialLearningRate = 1e-3f;
    private const float LearningRateDecayPerEpoch = 0.85f;
    private static readonly int[] LayerSizes = [DigitSet.PixelCount, 256, 128, DigitSet.ClassCount];

    public static int Run()
    {
        var train = TrainingSetFile.Read(SamplePaths.TrainingSet);
        var test = TestSetCsv.Read(SamplePaths.TestSet);
        Console.WriteLine($"{train.Count} training digits, {test.Count} test digits");

        var stopwatch = Stopwatch.StartNew();
        var random = new Random(Seed);
        var network = new Mlp(LayerSizes, BatchSize, random);
        var optimizer = new AdamOptimizer(network.Layers);
        var epochs = new EpochRunner(network, optimizer, new RandomShift(random, MaxShift), random);
        for (var epoch = 1; epoch <= Epochs; epoch++)
        {
            // Smaller steps in later epochs settle the weights instead of bouncing around the minimum.
            optimizer.LearningRate = InitialLearningRate * MathF.Pow(LearningRateDecayPerEpoch, epoch - 1);
            var loss = epochs.Run(train);
            Console.WriteLine($"epoch {epoch,2}: loss {loss:F4}, test accuracy {test.Accuracy(network.Predict(test)):P1}");
        }

        stopwatch.Stop();
        var trainAccuracy = train.Accuracy(network.Predict(train));
        var testPredictions = network.Predict(test);
        var testAccuracy = test.Accuracy(testPredictions);

        OnnxModelFile.Save(OnnxExporter.Export(network), SamplePaths.Model);
        var runtimePredictions = OnnxRuntimeCheck.Predict(SamplePaths.Model, test);
        var runtimeAccuracy = test.Accuracy(runtimePredictions);
        var disagreements = testPredictions.Where((p, i) => p != runtimePredictions[i]).Count();

        Console.WriteLine($"trained in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"trainer accuracy: train {trainAccuracy:P2}, test {testAccuracy:P2}");
        Console.WriteLine($"ONNX Runtime test accuracy: {runtimeAccuracy:P2} ({disagreements} predictions differ from the trainer's)");
        Console.WriteLine($"wrote {SamplePaths.Model} ({new FileInfo(SamplePaths.Model).Length:N0} bytes)");

        if (disagreements != 0)
        {
            Console.Error.WriteLine("error: ONNX Runtime and the trainer disagree; the export does not compute what was trained");
            return 1;
        }

        return 0;
    }
}
