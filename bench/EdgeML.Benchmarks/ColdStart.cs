using System.Diagnostics;
using System.Globalization;
using EdgeML.Runtime;

namespace EdgeML.Benchmarks;

/// <summary>
/// The first session of a process pays for loading ONNX Runtime's native library; BenchmarkDotNet measures warm
/// iterations only, so this measures the first and second <c>FromBytes</c> + <c>Warmup</c> once, in this process.
/// Run it in several fresh processes for a distribution. Only the float model: producing the int8 one runs the
/// calibrator, which loads ONNX Runtime first.
/// </summary>
internal static class ColdStart
{
    public static void Measure()
    {
        var model = DigitsModels.Bytes("float");
        var first = CreateAndWarmup(model);
        var second = CreateAndWarmup(model);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold start, float model: first {first.TotalMilliseconds:F1} ms, second {second.TotalMilliseconds:F1} ms"));
    }

    private static TimeSpan CreateAndWarmup(byte[] model)
    {
        var start = Stopwatch.GetTimestamp();
        using (var session = EdgeMLSession.FromBytes(model))
        {
            session.Warmup();
        }

        return Stopwatch.GetElapsedTime(start);
    }
}
