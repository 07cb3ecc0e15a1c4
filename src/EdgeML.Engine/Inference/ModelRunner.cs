using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Inference;

/// <summary>
/// Runs a single-input float model in ONNX Runtime over a dataset, batch by batch. Used for evaluation,
/// latency measurement and calibration, always on the CPU with one intra-op thread so that measurements on
/// a build machine are repeatable and builds running side by side do not fight over cores.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private const int PreferredBatchSize = 64;

    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly long[] _inputShape;

    private readonly SourceLocation? _location;

    private ModelRunner(InferenceSession session, string displayName, SourceLocation? location)
    {
        _session = session;
        _location = location;
        if (session.InputMetadata.Count != 1)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"'{displayName}' has {session.InputMetadata.Count} inputs; evaluation from CSV data supports models with one input", location);
        }

        var (name, metadata) = session.InputMetadata.Single();
        if (metadata.ElementDataType != TensorElementType.Float)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"input '{name}' of '{displayName}' is {metadata.ElementDataType}; evaluation from CSV data supports float inputs", location);
        }

        _inputName = name;
        _inputShape = metadata.Dimensions.Select(d => (long)d).ToArray();
        if (_inputShape.Length == 0 || _inputShape.Skip(1).Any(d => d <= 0))
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"input '{name}' of '{displayName}' has shape [{string.Join(", ", _inputShape)}]; evaluation needs fixed dimensions after the batch dimension", location);
        }

        SampleLength = checked((int)_inputShape.Skip(1).Aggregate(1L, (a, b) => a * b));
        BatchSize = _inputShape[0] > 0 ? (int)_inputShape[0] : PreferredBatchSize;
        OutputNames = [.. session.OutputMetadata.Keys];
    }

    /// <summary>Float values per sample the model's input takes.</summary>
    public int SampleLength { get; }

    /// <summary>Samples per run: the input's fixed batch size, or a sensible batch when it is dynamic.</summary>
    public int BatchSize { get; }

    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Creates a session for the model bytes; a model ONNX Runtime rejects is an <see cref="DiagnosticCodes.ModelRuntimeFailure"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="displayName">How errors name the model.</param>
    /// <param name="location">Where errors about the model point: the recipe's <c>model</c> line.</param>
    public static ModelRunner Create(byte[] model, string displayName, SourceLocation? location = null)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        InferenceSession session;
        try
        {
            session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelRuntimeFailure, $"ONNX Runtime cannot load '{displayName}': {e.Message}", location, e);
        }

        try
        {
            return new ModelRunner(session, displayName, location);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Checks that every sample of <paramref name="data"/> fits the model input.</summary>
    public void EnsureFits(LabeledDataset data, SourceLocation dataLocation)
    {
        if (data.FeatureCount != SampleLength)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"'{data.SourcePath}' has {data.FeatureCount} feature columns, the model input '{_inputName}' [{string.Join(", ", _inputShape)}] takes {SampleLength} values per sample", dataLocation);
        }
    }

    /// <summary>Runs every sample, handing each batch's requested outputs (flattened) to <paramref name="onBatch"/>.</summary>
    public void RunBatches(LabeledDataset data, IReadOnlyList<string> outputNames, Action<BatchOutputs> onBatch)
    {
        for (var start = 0; start < data.Count; start += BatchSize)
        {
            var count = Math.Min(BatchSize, data.Count - start);
            var batch = data.Batch(start, count);
            // A fixed batch size with a short last batch: pad by repeating the last sample, report only `count`.
            var input = count == BatchSize || _inputShape[0] <= 0 ? batch : Pad(batch, SampleLength, BatchSize);
            var shape = (long[])_inputShape.Clone();
            shape[0] = _inputShape[0] > 0 ? BatchSize : count;
            using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshalExtensions.AsWritable(input), shape);
            using var results = Run(inputValue, outputNames);
            onBatch(new BatchOutputs(start, count, results));
        }
    }

    /// <summary>Runs one sample and returns after it completes; for latency measurement.</summary>
    public void RunSingle(ReadOnlyMemory<float> sample)
    {
        var shape = (long[])_inputShape.Clone();
        shape[0] = 1;
        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshalExtensions.AsWritable(sample), shape);
        using var results = Run(inputValue, OutputNames);
    }

    public void Dispose() => _session.Dispose();

    private IDisposableReadOnlyCollection<OrtValue> Run(OrtValue input, IReadOnlyList<string> outputNames)
    {
        try
        {
            using var runOptions = new RunOptions();
            return _session.Run(runOptions, [_inputName], [input], outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelRuntimeFailure, $"ONNX Runtime failed to run the model: {e.Message}", _location, e);
        }
    }

    private static ReadOnlyMemory<float> Pad(ReadOnlyMemory<float> batch, int sampleLength, int batchSize)
    {
        var padded = new float[sampleLength * batchSize];
        batch.Span.CopyTo(padded);
        var last = batch.Span[^sampleLength..];
        for (var offset = batch.Length; offset < padded.Length; offset += sampleLength)
        {
            last.CopyTo(padded.AsSpan(offset));
        }

        return padded;
    }
}

/// <summary>The outputs of one batch; valid only during the callback that receives it.</summary>
public readonly struct BatchOutputs(int start, int count, IReadOnlyList<OrtValue> values)
{
    public int Start { get; } = start;

    public int Count { get; } = count;

    /// <summary>The <paramref name="index"/>-th requested output's values for the real (unpadded) samples of the batch.</summary>
    public ReadOnlySpan<float> Output(int index) =>
        values[index].GetTensorDataAsSpan<float>()[..(OutputLengthPerSample(index) * Count)];

    /// <summary>Values per sample of the <paramref name="index"/>-th output.</summary>
    public int OutputLengthPerSample(int index)
    {
        var shape = OutputShape(index);
        return shape.Length == 0 ? 1 : (int)(shape.Skip(1).Aggregate(1L, (a, b) => a * b));
    }

    /// <summary>The <paramref name="index"/>-th output's shape as the run produced it (padded batch included).</summary>
    public long[] OutputShape(int index) => values[index].GetTensorTypeAndShape().Shape;
}
