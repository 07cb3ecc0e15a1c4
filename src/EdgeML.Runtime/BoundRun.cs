using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Runtime;

/// <summary>
/// One caller's pre-bound run: pinned input and output buffers, tensors over them and an <see cref="OrtIoBinding"/>
/// that points ONNX Runtime at them. ONNX Runtime's allocation-free path is <c>RunWithBinding</c> over such a binding;
/// creating tensors over the caller's spans instead would allocate on every call. A run copies the input in and the
/// output out, and rebinds only when the input, output or a shape differs from the previous run's.
/// </summary>
internal sealed class BoundRun : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private Binding? _input;
    private Binding? _output;

    public BoundRun(InferenceSession session)
    {
        _session = session;
        _binding = session.CreateIoBinding();
    }

    /// <summary>Runs the model; the shapes are resolved and the byte lengths match them.</summary>
    public void Run(RunOptions runOptions, TensorInfo input, ReadOnlySpan<byte> inputData, ReadOnlySpan<long> inputShape, TensorInfo output, Span<byte> outputData, ReadOnlySpan<long> outputShape)
    {
        if (_input?.Matches(input, inputShape) != true || _output?.Matches(output, outputShape) != true)
        {
            Rebind(input, inputShape, inputData.Length, output, outputShape, outputData.Length);
        }

        inputData.CopyTo(_input!.Data);
        _session.RunWithBinding(runOptions, _binding);
        _output!.Data.CopyTo(outputData);
    }

    public void Dispose()
    {
        Unbind();
        _binding.Dispose();
    }

    private void Rebind(TensorInfo input, ReadOnlySpan<long> inputShape, int inputLength, TensorInfo output, ReadOnlySpan<long> outputShape, int outputLength)
    {
        Unbind();
        _input = new Binding(input, inputShape, inputLength);
        _binding.BindInput(input.Name, _input.Value);
        _output = new Binding(output, outputShape, outputLength);
        _binding.BindOutput(output.Name, _output.Value);
    }

    private void Unbind()
    {
        _binding.ClearBoundInputs();
        _binding.ClearBoundOutputs();
        _input?.Dispose();
        _output?.Dispose();
        _input = null;
        _output = null;
    }

    /// <summary>A tensor of one shape over a pinned buffer that lives as long as the tensor.</summary>
    private sealed class Binding : IDisposable
    {
        private readonly TensorInfo _tensor;
        private readonly long[] _shape;
        private readonly byte[] _buffer;

        public Binding(TensorInfo tensor, ReadOnlySpan<long> shape, int length)
        {
            _tensor = tensor;
            _shape = shape.ToArray();

            // On the pinned object heap the buffer never moves, so the native tensor can point at it for good.
            _buffer = GC.AllocateArray<byte>(length, pinned: true);
            Value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, tensor.ElementType, _shape, Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0), length);
        }

        public OrtValue Value { get; }

        public Span<byte> Data => _buffer;

        public bool Matches(TensorInfo tensor, ReadOnlySpan<long> shape) => ReferenceEquals(tensor, _tensor) && shape.SequenceEqual(_shape);

        public void Dispose() => Value.Dispose();
    }
}
