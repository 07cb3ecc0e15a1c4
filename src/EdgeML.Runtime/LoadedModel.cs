using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Runtime;

/// <summary>One model loaded into one ONNX Runtime session, with the pooled bindings its span runs use.</summary>
internal sealed class LoadedModel : IDisposable
{
    // Ranks up to this resolve their shapes on the stack; ONNX models rarely go past 6.
    private const int MaxStackRank = 16;

    private readonly InferenceSession _session;
    private readonly BoundRunPool _runs;

    // Shared by concurrent runs, as ONNX Runtime's own Run overloads share theirs; nothing ever changes it.
    private readonly RunOptions _runOptions = new();

    private LoadedModel(EdgeMLModelSource source, InferenceSession session, EdgeMLExecutionProvider executionProvider, Exception? providerFailure)
    {
        Source = source;
        _session = session;
        _runs = new BoundRunPool(session);
        ExecutionProvider = executionProvider.ToString();
        ProviderFailure = providerFailure;
        Inputs = session.InputNames.Select(name => TensorInfo.Create("input", name, session.InputMetadata[name])).ToArray();
        Outputs = session.OutputNames.Select(name => TensorInfo.Create("output", name, session.OutputMetadata[name])).ToArray();
    }

    public EdgeMLModelSource Source { get; }

    public string ExecutionProvider { get; }

    /// <summary>Why the preferred execution providers were abandoned for CPU, or <see langword="null"/> if they were not.</summary>
    public Exception? ProviderFailure { get; }

    public IReadOnlyList<TensorInfo> Inputs { get; }

    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>
    /// Loads the model with the preferred execution providers; when ONNX Runtime cannot create a session with them
    /// (a provider registers but its device or libraries are missing), loads it again on CPU alone.
    /// </summary>
    /// <exception cref="EdgeMLModelLoadException">The model cannot be loaded even on CPU.</exception>
    public static LoadedModel Load(EdgeMLModelSource source, EdgeMLModelOptions options)
    {
        var start = Stopwatch.GetTimestamp();
        EdgeMLExecutionProvider provider;
        InferenceSession session;
        Exception? providerFailure = null;
        using (var sessionOptions = options.CreateSessionOptions(options.ExecutionProviders, out provider))
        {
            try
            {
                session = source.Open(sessionOptions);
            }
            catch (EdgeMLModelLoadException e) when (provider != EdgeMLExecutionProvider.Cpu)
            {
                providerFailure = e;
                using var cpuOptions = options.CreateSessionOptions([], out provider);
                session = source.Open(cpuOptions);
            }
        }

        try
        {
            var model = new LoadedModel(source, session, provider, providerFailure);
            EdgeMLTelemetry.RecordSessionCreation(start, source, model.ExecutionProvider);
            return model;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Whether the other model takes and returns the same tensors, so it can stand in for this one.</summary>
    public bool HasSameSignatureAs(LoadedModel other) =>
        Inputs.Select(i => i.ToString()).SequenceEqual(other.Inputs.Select(i => i.ToString()))
        && Outputs.Select(o => o.ToString()).SequenceEqual(other.Outputs.Select(o => o.ToString()));

    /// <summary>Validates the arguments, then runs through a pooled binding; see <see cref="EdgeMLSession.Run{TIn, TOut}(int, ReadOnlySpan{TIn}, ReadOnlySpan{long}, int, Span{TOut}, ReadOnlySpan{long})"/>.</summary>
    public void Run<TIn, TOut>(int inputIndex, ReadOnlySpan<TIn> input, ReadOnlySpan<long> inputShape, int outputIndex, Span<TOut> output, ReadOnlySpan<long> outputShape)
        where TIn : unmanaged
        where TOut : unmanaged
    {
        var inputInfo = EdgeMLSession.Select(Inputs, inputIndex, nameof(inputIndex));
        var outputInfo = EdgeMLSession.Select(Outputs, outputIndex, nameof(outputIndex));
        inputInfo.EnsureElementType<TIn>();
        outputInfo.EnsureElementType<TOut>();
        var inputDimensions = inputShape.Length <= MaxStackRank ? stackalloc long[inputShape.Length] : new long[inputShape.Length];
        var outputDimensions = outputShape.Length <= MaxStackRank ? stackalloc long[outputShape.Length] : new long[outputShape.Length];
        TensorShapes.Resolve(inputInfo, inputShape, input.Length, nameof(input), inputDimensions);
        TensorShapes.Resolve(outputInfo, outputShape, output.Length, nameof(output), outputDimensions);

        var measurement = InferenceMeasurement.Start(Source, ExecutionProvider);
        var run = _runs.Rent();
        try
        {
            run.Run(_runOptions, inputInfo, MemoryMarshal.AsBytes(input), inputDimensions, outputInfo, MemoryMarshal.AsBytes(output), outputDimensions);
        }
        catch (Exception e)
        {
            measurement.Stop(e);
            throw;
        }
        finally
        {
            _runs.Return(run);
        }

        measurement.Stop(error: null);
    }

    /// <summary>Runs the model on all of its inputs; see <see cref="EdgeMLSession.Run(IReadOnlyList{OrtValue})"/>.</summary>
    public EdgeMLOutputs Run(IReadOnlyList<OrtValue> inputs)
    {
        if (inputs.Count != Inputs.Count)
        {
            throw new ArgumentException($"the model takes {Inputs.Count} inputs ({string.Join(", ", _session.InputNames)}); {inputs.Count} were given.", nameof(inputs));
        }

        var measurement = InferenceMeasurement.Start(Source, ExecutionProvider);
        EdgeMLOutputs outputs;
        try
        {
            outputs = new EdgeMLOutputs(Outputs, _session.Run(_runOptions, _session.InputNames, inputs, _session.OutputNames));
        }
        catch (Exception e)
        {
            measurement.Stop(e);
            throw;
        }

        measurement.Stop(error: null);
        return outputs;
    }

    /// <summary>Runs the model once on zeros, dynamic dimensions set to 1, so that the first real run is not the slow one.</summary>
    public void Warmup()
    {
        var zeros = Inputs.Select(Zeros).ToArray();
        try
        {
            Run(zeros).Dispose();
        }
        finally
        {
            foreach (var value in zeros)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>Releases the session; call it only when no run is in flight.</summary>
    public void Dispose()
    {
        _runs.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static OrtValue Zeros(TensorInfo tensor)
    {
        var shape = TensorShapes.Smallest(tensor);
        if (tensor.ElementType == TensorElementType.String)
        {
            return OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        }

        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, tensor.ElementType, shape);
        value.GetTensorMutableRawData().Clear();
        return value;
    }
}
