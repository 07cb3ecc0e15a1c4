using BenchmarkDotNet.Attributes;
using EdgeML.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Benchmarks;

/// <summary>
/// One sample through ONNX Runtime's fastest path (a pre-bound IoBinding over pinned buffers) against
/// <see cref="EdgeMLSession"/>'s span run, on the model and session options a subclass chooses.
/// </summary>
[MemoryDiagnoser]
public abstract class BindingComparison
{
    private float[] _input = [];
    private float[] _output = [];
    private long[] _inputShape = [];
    private long[] _outputShape = [];
    private InferenceSession _onnxRuntime = null!;
    private RunOptions _runOptions = null!;
    private OrtIoBinding _binding = null!;
    private OrtValue _boundInput = null!;
    private OrtValue _boundOutput = null!;
    private EdgeMLSession _edgeML = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (model, input, outputLength, intraOpThreads) = Subject();
        _input = input;
        _output = new float[outputLength];
        _inputShape = [1, input.Length];
        _outputShape = [1, outputLength];

        using var options = new SessionOptions();
        if (intraOpThreads is { } threads)
        {
            options.IntraOpNumThreads = threads;
            options.InterOpNumThreads = threads;
        }

        _onnxRuntime = new InferenceSession(model, options);
        _runOptions = new RunOptions();
        _binding = _onnxRuntime.CreateIoBinding();
        _boundInput = OrtValue.CreateTensorValueFromMemory(GC.AllocateArray<float>(input.Length, pinned: true), _inputShape);
        input.CopyTo(_boundInput.GetTensorMutableDataAsSpan<float>());
        _boundOutput = OrtValue.CreateTensorValueFromMemory(GC.AllocateArray<float>(outputLength, pinned: true), _outputShape);
        _binding.BindInput(_onnxRuntime.InputNames[0], _boundInput);
        _binding.BindOutput(_onnxRuntime.OutputNames[0], _boundOutput);

        _edgeML = EdgeMLSession.FromBytes(model, new EdgeMLModelOptions { IntraOpNumThreads = intraOpThreads, InterOpNumThreads = intraOpThreads });
        _edgeML.Warmup();
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime RunWithBinding (pre-bound)")]
    public void OnnxRuntimeRunWithBinding() => _onnxRuntime.RunWithBinding(_runOptions, _binding);

    [Benchmark(Description = "EdgeMLSession.Run (spans)")]
    public void EdgeMLRun() => _edgeML.Run(0, _input, _inputShape, 0, _output.AsSpan(), _outputShape);

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

    /// <summary>The model, one sample of its input, its output length per sample, and the intra-op threads (null: ONNX Runtime's default).</summary>
    protected abstract (byte[] Model, float[] Input, int OutputLength, int? IntraOpThreads) Subject();
}
