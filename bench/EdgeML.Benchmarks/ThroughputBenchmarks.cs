using BenchmarkDotNet.Attributes;
using EdgeML.Runtime;

namespace EdgeML.Benchmarks;

/// <summary>Runs per second of one shared <see cref="EdgeMLSession"/> called from one thread or several at once.</summary>
[MemoryDiagnoser]
public class ThroughputBenchmarks
{
    private const int RunsPerInvocation = 2_000;

    private static readonly long[] InputShape = [1, 784];
    private static readonly long[] OutputShape = [1, 10];

    private float[] _input = [];
    private EdgeMLSession _session = null!;

    [Params("float", "int8")]
    public string Model { get; set; } = "float";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _input = DigitsModels.Sample(0);

        // One intra-op thread per session: the callers' threads are the parallelism being measured.
        _session = EdgeMLSession.FromBytes(DigitsModels.Bytes(Model), new EdgeMLModelOptions { IntraOpNumThreads = 1 });
        _session.Warmup();
    }

    /// <summary>The mean is the time per run across all threads; its inverse is the throughput.</summary>
    [Benchmark(OperationsPerInvoke = RunsPerInvocation)]
    public void SharedSession() =>
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            var output = new float[10];
            for (var i = 0; i < RunsPerInvocation / Threads; i++)
            {
                _session.Run(0, _input, InputShape, 0, output.AsSpan(), OutputShape);
            }
        });

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();
}
