using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using EdgeML.Benchmarks;

// `--cold-start` times the first session of this process; `--compression`, `--quantization`, `--calibration-memory` and `--scaling` print the tables of
// docs/benchmarks.md;
// anything else goes to BenchmarkDotNet.
switch (args)
{
    case ["--cold-start"]:
        ColdStart.Measure();
        return;
    case ["--compression"]:
        CompressionReport.Run();
        return;
    case ["--scaling"]:
        ScalingReport.Run();
        return;
    case ["--quantization"]:
        QuantizationReport.Run();
        return;
    case ["--calibration-memory"]:
        QuantizationReport.CalibrationMemory();
        return;
}

// A short job (3 warm-up and 10 measured iterations, one launch) so the suite finishes in minutes on 2 cores.
var config = DefaultConfig.Instance.AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(DigitsModels).Assembly).Run(args, config);
