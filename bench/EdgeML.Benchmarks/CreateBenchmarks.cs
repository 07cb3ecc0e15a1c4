using BenchmarkDotNet.Attributes;
using EdgeML.Runtime;

namespace EdgeML.Benchmarks;

/// <summary>
/// Loading the model from bytes and warming it up, in a process where ONNX Runtime's native library is already
/// loaded; <c>--cold-start</c> measures the first load of a fresh process (see <see cref="ColdStart"/>).
/// </summary>
[MemoryDiagnoser]
public class CreateBenchmarks
{
    private byte[] _model = [];

    [Params("float", "int8")]
    public string Model { get; set; } = "float";

    [GlobalSetup]
    public void Setup()
    {
        _model = DigitsModels.Bytes(Model);
        EdgeMLSession.FromBytes(_model).Dispose();
    }

    [Benchmark(Description = "FromBytes + Warmup")]
    public void CreateAndWarmup()
    {
        using var session = EdgeMLSession.FromBytes(_model);
        session.Warmup();
    }
}
