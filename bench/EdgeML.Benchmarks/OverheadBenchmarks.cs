using BenchmarkDotNet.Attributes;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Runtime;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Benchmarks;

/// <summary>
/// What <see cref="EdgeMLSession"/> adds per call, isolated: a model that does almost nothing (ReLU on four
/// values) on one intra-op thread, so the difference to ONNX Runtime's pre-bound run is EdgeML's own work.
/// </summary>
[MemoryDiagnoser]
public class OverheadBenchmarks
{
    private static readonly long[] Shape = [1, 4];

    private readonly float[] _input = [0.5f, -1f, 2f, -3f];
    private readonly float[] _output = new float[4];
    private InferenceSession _onnxRuntime = null!;
    private RunOptions _runOptions = null!;
    private OrtIoBinding _binding = null!;
    private OrtValue _boundInput = null!;
    private OrtValue _boundOutput = null!;
    private EdgeMLSession _edgeML = null!;

    [GlobalSetup]
    public void Setup()
    {
        var model = ReluModel();
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _onnxRuntime = new InferenceSession(model, options);
        _runOptions = new RunOptions();
        _binding = _onnxRuntime.CreateIoBinding();
        _boundInput = OrtValue.CreateTensorValueFromMemory(GC.AllocateArray<float>(4, pinned: true), Shape);
        _boundOutput = OrtValue.CreateTensorValueFromMemory(GC.AllocateArray<float>(4, pinned: true), Shape);
        _binding.BindInput("x", _boundInput);
        _binding.BindOutput("y", _boundOutput);

        _edgeML = EdgeMLSession.FromBytes(model, new EdgeMLModelOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });
        _edgeML.Warmup();
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime RunWithBinding (pre-bound)")]
    public void OnnxRuntimeRunWithBinding() => _onnxRuntime.RunWithBinding(_runOptions, _binding);

    [Benchmark(Description = "EdgeMLSession.Run (spans)")]
    public void EdgeMLRun() => _edgeML.Run(0, _input, Shape, 0, _output.AsSpan(), Shape);

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

    private static byte[] ReluModel()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "EdgeML.Benchmarks", Graph = new GraphProto { Name = "relu" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.Graph.Input.Add(Nodes.TensorValueInfo("x", TensorProto.Types.DataType.Float, [null, 4]));
        model.Graph.Output.Add(Nodes.TensorValueInfo("y", TensorProto.Types.DataType.Float, [null, 4]));
        model.Graph.Node.Add(Nodes.Create("Relu", ["x"], ["y"], "relu"));
        return model.ToByteArray();
    }
}
