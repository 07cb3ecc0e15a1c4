using System.Diagnostics;
using System.Globalization;
using Digits;
using EdgeML.Runtime;

// Compares the int8 model that the build compressed and embedded with the float model it came from,
// on the 1,000 held-out MNIST digits: accuracy, size and time per prediction.
var models = Path.Combine(AppContext.BaseDirectory, "models");
var digits = TestDigits.Load(Path.Combine(models, "digits-test.csv"));
var floatModelPath = Path.Combine(models, "digits.onnx");

// One thread each: for a model this small, spreading one prediction over cores costs more than it saves.
var options = new EdgeMLModelOptions { IntraOpNumThreads = 1 };
using var int8 = DigitClassifier.Create(options);
using var float32 = EdgeMLSession.FromFile(floatModelPath, options);

var floatScores = new float[DigitClassifier.Labels.Count];
float[] PredictFloat(float[] pixels)
{
    float32.Run<float, float>(0, pixels, [1, DigitClassifier.PixelsLength], 0, floatScores, [1, floatScores.Length]);
    return floatScores;
}

var int8Correct = digits.Count(d => int8.Predict(d.Pixels).Index == d.Label);
var floatCorrect = digits.Count(d => ArgMax(PredictFloat(d.Pixels)) == d.Label);
var embeddedBytes = typeof(DigitClassifier).Assembly.GetManifestResourceStream(DigitClassifier.ResourceName)!.Length;

Console.WriteLine($"Handwritten digits, {digits.Count:N0} held-out MNIST samples");
Console.WriteLine($"{"",-8}{"accuracy",10}{"size",14}{"per prediction",18}");
Console.WriteLine($"{"float32",-8}{floatCorrect / (double)digits.Count,10:P1}{new FileInfo(floatModelPath).Length,14:N0}{Time(d => PredictFloat(d.Pixels)),18}");
Console.WriteLine($"{"int8",-8}{int8Correct / (double)digits.Count,10:P1}{embeddedBytes,14:N0}{Time(d => int8.Predict(d.Pixels)),18}");

// The build recorded a few predictions of this exact model; replaying them checks this machine's int8 kernels.
var validation = int8.Validate();
Console.WriteLine($"Self-test on this machine: {validation.Samples} recorded predictions, largest deviation {validation.MaxAbsoluteDeviation:G3}");

var sample = digits[0];
var prediction = int8.Predict(sample.Pixels);
Console.WriteLine($"First digit: labeled {DigitClassifier.Labels[sample.Label]}, predicted {prediction.Label} ({prediction.Confidence:P1} confident)");

string Time(Action<Digit> predict)
{
    foreach (var digit in digits.Take(100))
    {
        predict(digit);
    }

    var stopwatch = Stopwatch.StartNew();
    const int Rounds = 5;
    for (var round = 0; round < Rounds; round++)
    {
        digits.ForEach(predict);
    }

    var microseconds = stopwatch.Elapsed.TotalMicroseconds / (Rounds * digits.Count);
    return microseconds.ToString("0.0", CultureInfo.InvariantCulture) + " µs";
}

static int ArgMax(float[] scores) => Array.IndexOf(scores, scores.Max());
