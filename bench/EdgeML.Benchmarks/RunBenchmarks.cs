using BenchmarkDotNet.Attributes;
using EdgeML.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Benchmarks;

/// <summary>
/// One sample through ONNX Runtime's fastest path (a pre-bound IoBinding) against <see cref="EdgeMLSession"/>'s span
/// run, which adds argument checks, a pooled binding and the copies in and out.
/// </summary>
[MemoryDiagnoser]
public class RunBenchmarks
{
    private static readonly long[] InputShape = [1, 784];
    private static readonly long[] OutputShape = [1, 10];

    private readonly float[] _output = new float[10];
    private float[] _input = [];
    private InferenceSession _onnxRuntime = null!;
    private RunOptions _runOptions = null!;
    private OrtIoBinding _binding = null!;
    private OrtValue _boundInput = null!;
    private OrtValue _boundOutput = null!;
    private EdgeMLSession _edgeML = null!;

    /// <summary>The model: <c>float</c> as shipped, <c>int8</c> as the engine compresses it.</summary>
    [Params("float", "int8")]
    public string Model { get; set; } = "float";

    [GlobalSetup]
    public void Setup()
    {
        var model = DigitsModels.Bytes(Model);
        _input = DigitsModels.Sample(0);

        _onnxRuntime = new InferenceSession(model);
        _runOptions = new RunOptions();
        _binding = _onnxRuntime.CreateIoBinding();
        _boundInput = OrtValue.CreateTensorValueFromMemory(GC.AllocateArray<float>(784, pinned: true), InputShape);
        _input.CopyTo(_boundInput.GetTensorMutableDataAsSpan<float>());
        _boundOutput = OrtValue.CreateTensorValueFromMemory(GC.AllocateArray<float>(10, pinned: true), OutputShape);
        _binding.BindInput(_onnxRuntime.InputNames[0], _boundInput);
        _binding.BindOutput(_onnxRuntime.OutputNames[0], _boundOutput);

        _edgeML = EdgeMLSession.FromBytes(model);
        _edgeML.Warmup();
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime RunWithBinding (pre-bound)")]
    public void OnnxRuntimeRunWithBinding() => _onnxRuntime.RunWithBinding(_runOptions, _binding);

    [Benchmark(Description = "EdgeMLSession.Run (spans)")]
    public void EdgeMLRun() => _edgeML.Run(0, _input, InputShape, 0, _output.AsSpan(), OutputShape);

    [GlobalCleanup]
    public void Cleanup()
    {
        _edgeML.Dispose();
        _binding.Dispose();
        _boundInput.Dispose();
        _boundOutput.Dispose();
        _runOptions.Dispose();
        _onnxRuntime.Dispose();
    }
}
