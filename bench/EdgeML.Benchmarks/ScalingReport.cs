using System.Diagnostics;
using System.Globalization;
using EdgeML.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Benchmarks;

/// <summary>
/// `--scaling`: runs per second of one shared session from 1 and 2 threads, for raw ONNX Runtime (one pre-bound
/// IoBinding per thread) and for <see cref="EdgeMLSession.Run{TIn, TOut}(int, ReadOnlySpan{TIn}, ReadOnlySpan{long}, int, Span{TOut}, ReadOnlySpan{long})"/>.
/// Long runs (30,000 per measurement, three rounds) rather than BenchmarkDotNet's short invocations, whose
/// thread start-up dominates at this model size.
/// </summary>
internal static class ScalingReport
{
    private const int Runs = 30_000;
    private static readonly long[] InputShape = [1, 784];
    private static readonly long[] OutputShape = [1, 10];

    public static void Run()
    {
        Console.WriteLine("| model | raw ONNX Runtime, 1 → 2 threads (runs/s) | × | EdgeMLSession, 1 → 2 threads (runs/s) | × | EdgeML / raw, 1 thread |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var precision in new[] { "float", "int8" })
        {
            var model = DigitsModels.Bytes(precision);
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            using var raw = new InferenceSession(model, options);
            using var edge = EdgeMLSession.FromBytes(model, new EdgeMLModelOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });
            Measure(threads => RawThroughput(raw, threads));
            Measure(threads => EdgeThroughput(edge, threads));
            for (var round = 0; round < 3; round++)
            {
                var (raw1, raw2) = Measure(threads => RawThroughput(raw, threads));
                var (edge1, edge2) = Measure(threads => EdgeThroughput(edge, threads));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {precision} | {raw1:N0} → {raw2:N0} | {raw2 / raw1:0.00} | {edge1:N0} → {edge2:N0} | {edge2 / edge1:0.00} | {edge1 / raw1:0.00} |"));
            }
        }
    }

    private static (double One, double Two) Measure(Func<int, double> throughput) => (throughput(1), throughput(2));

    private static double RawThroughput(InferenceSession session, int threads) => Time(threads, () =>
    {
        var input = new float[784];
        var output = new float[10];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, InputShape);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(output, OutputShape);
        using var binding = session.CreateIoBinding();
        binding.BindInput(session.InputNames[0], inputValue);
        binding.BindOutput(session.OutputNames[0], outputValue);
        using var runOptions = new RunOptions();
        for (var i = 0; i < Runs / threads; i++)
        {
            session.RunWithBinding(runOptions, binding);
        }
    });

    private static double EdgeThroughput(EdgeMLSession session, int threads) => Time(threads, () =>
    {
        var input = new float[784];
        var output = new float[10];
        for (var i = 0; i < Runs / threads; i++)
        {
            session.Run(0, input, InputShape, 0, output.AsSpan(), OutputShape);
        }
    });

    private static double Time(int threads, Action work)
    {
        var stopwatch = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => work());
        return Runs / stopwatch.Elapsed.TotalSeconds;
    }
}
