using System.Globalization;
using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Inference;

/// <summary>
/// Runs a model in ONNX Runtime over a dataset, batch by batch. Used for evaluation, latency measurement and
/// calibration, always on the CPU with one intra-op thread so that measurements on a build machine are repeatable
/// and builds running side by side do not fight over cores. Inputs may be float, int64, int32 or bool (integer
/// data travels as float, see <see cref="DatasetInput"/>); dimensions after the batch may be dynamic, in which case
/// the data's own sample shape fills them.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private const int PreferredBatchSize = 64;

    // Calibration exposes hundreds of intermediate tensors; batches are sized so that the requested outputs of one
    // batch stay under this, which keeps memory flat however large the model's activations are.
    private const long OutputBytesPerBatch = 256L << 20;

    // Integers up to 2^24 are exactly representable in float32, so ids and masks survive the trip through the dataset.
    private const float LargestExactInteger = 1 << 24;

    private readonly InferenceSession _session;
    private readonly string _displayName;
    private readonly ModelInput[] _inputs;
    private readonly string[] _inputNames;
    private readonly SourceLocation? _location;

    private ModelRunner(InferenceSession session, string displayName, SourceLocation? location)
    {
        _session = session;
        _displayName = displayName;
        _location = location;
        _inputs = session.InputMetadata.Select(pair => ModelInput.From(pair.Key, pair.Value, displayName, location)).ToArray();
        _inputNames = [.. _inputs.Select(i => i.Name)];
        var batch = _inputs[0].Dimensions[0];
        BatchSize = batch > 0 ? (int)batch : PreferredBatchSize;
        OutputNames = [.. session.OutputMetadata.Keys];
    }

    /// <summary>Float values per sample the model's only input takes; the model must have one input of fixed size after the batch.</summary>
    public int SampleLength => _inputs is [{ FixedSampleLength: > 0 } only]
        ? only.FixedSampleLength
        : throw new EdgeMLException(DiagnosticCodes.ModelUnsupported,
            $"'{_displayName}' takes {string.Join(", ", _inputs.Select(i => i.ToString()))}; this step needs a model with one input of fixed size after the batch dimension", _location);

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

    /// <summary>Checks that <paramref name="data"/> has values for every model input, of a fitting size and type.</summary>
    public void EnsureFits(LabeledDataset data, SourceLocation dataLocation)
    {
        foreach (var input in _inputs)
        {
            var values = ValuesFor(input, data, dataLocation);
            input.EnsureFits(values, data.SourcePath, dataLocation);
            if (input.IsInteger && Array.FindIndex(values.Values, v => v != MathF.Round(v) || MathF.Abs(v) > LargestExactInteger) is var bad and >= 0)
            {
                throw new EdgeMLException(DiagnosticCodes.DataMismatch,
                    $"{values.Describe(data.SourcePath)} feeds the {input.ElementType} input '{input.Name}' but holds {values.Values[bad]} in sample {bad / values.SampleLength}, which is not an integer of at most 2^24", dataLocation);
            }
        }

        if (data.Inputs.FirstOrDefault(d => d.Name is { } name && _inputs.All(i => i.Name != name)) is { } extra)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch,
                $"{extra.Describe(data.SourcePath)} matches no input of the model (it takes {string.Join(", ", _inputs.Select(i => $"'{i.Name}'"))})", dataLocation);
        }
    }

    /// <summary>
    /// Runs every sample, handing each batch's requested outputs (flattened) to <paramref name="onBatch"/>. With a
    /// dynamic batch dimension the first batch is one sample, whose outputs size the rest (at most <see cref="BatchSize"/>).
    /// </summary>
    public void RunBatches(LabeledDataset data, IReadOnlyList<string> outputNames, Action<BatchOutputs> onBatch)
    {
        var fixedBatch = _inputs[0].Dimensions[0] > 0;
        var batchSize = fixedBatch ? BatchSize : 1;
        for (var start = 0; start < data.Count;)
        {
            var count = Math.Min(batchSize, data.Count - start);
            using (var results = Run(data, start, count, outputNames))
            {
                onBatch(new BatchOutputs(start, count, fixedBatch ? BatchSize : count, results));
                if (!fixedBatch && start == 0)
                {
                    var bytesPerSample = Math.Max(1, results.Sum(r => r.GetTensorSizeInBytes()) / count);
                    batchSize = (int)Math.Clamp(OutputBytesPerBatch / bytesPerSample, 1, BatchSize);
                }
            }

            start += count;
        }
    }

    /// <summary>Runs sample <paramref name="index"/> alone and returns after it completes; for latency measurement.</summary>
    public void RunSingle(LabeledDataset data, int index)
    {
        using var results = Run(data, index, 1, OutputNames);
    }

    public void Dispose() => _session.Dispose();

    private IDisposableReadOnlyCollection<OrtValue> Run(LabeledDataset data, int start, int count, IReadOnlyList<string> outputNames)
    {
        var values = new List<OrtValue>(_inputs.Length);
        try
        {
            foreach (var input in _inputs)
            {
                values.Add(input.Bind(ValuesFor(input, data, _location), start, count, BatchSize));
            }

            using var runOptions = new RunOptions();
            return _session.Run(runOptions, _inputNames, values, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelRuntimeFailure, $"ONNX Runtime failed to run the model: {e.Message}", _location, e);
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    // Named data feeds the input of that name; a single unnamed array feeds a single-input model.
    private DatasetInput ValuesFor(ModelInput input, LabeledDataset data, SourceLocation? location) =>
        data.Inputs.FirstOrDefault(d => d.Name == input.Name)
        ?? (data.Inputs is [{ Name: null } only] && _inputs.Length == 1 ? only : null)
        ?? throw new EdgeMLException(DiagnosticCodes.DataMismatch,
            _inputs.Length == 1
                ? $"'{data.SourcePath}' has no values for the model input '{input.Name}': name its array 'x' or '{input.Name}'"
                : $"'{data.SourcePath}' has no values for the model input '{input.Name}': a model with {_inputs.Length} inputs needs an .npz with one array per input, named after it",
            location);

    /// <summary>One input as the session declares it, and how dataset values are bound to it.</summary>
    private sealed record ModelInput(string Name, TensorElementType ElementType, long[] Dimensions)
    {
        public bool IsInteger => ElementType is TensorElementType.Int64 or TensorElementType.Int32 or TensorElementType.Bool;

        /// <summary>Values per sample when every dimension after the batch is fixed; else 0.</summary>
        public int FixedSampleLength => Dimensions.Length > 0 && Dimensions.Skip(1).All(d => d > 0)
            ? checked((int)Dimensions.Skip(1).Aggregate(1L, (a, b) => a * b))
            : 0;

        public static ModelInput From(string name, NodeMetadata metadata, string displayName, SourceLocation? location)
        {
            var input = new ModelInput(name, metadata.ElementDataType, metadata.Dimensions.Select(d => (long)d).ToArray());
            if (input.ElementType is not (TensorElementType.Float or TensorElementType.Int64 or TensorElementType.Int32 or TensorElementType.Bool))
            {
                throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"input '{name}' of '{displayName}' is {input.ElementType}; evaluation and calibration support float, int64, int32 and bool inputs", location);
            }

            return input.Dimensions.Length > 0
                ? input
                : throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"input '{name}' of '{displayName}' is a scalar; evaluation needs a batch dimension", location);
        }

        public void EnsureFits(DatasetInput values, string sourcePath, SourceLocation location)
        {
            var fits = FixedSampleLength > 0
                ? values.SampleLength == FixedSampleLength
                : values.SampleShape is { } shape && shape.Count == Dimensions.Length - 1 && shape.Select((d, i) => Dimensions[i + 1] <= 0 || Dimensions[i + 1] == d).All(ok => ok);
            if (!fits)
            {
                var has = values.SampleShape is { } s ? $"samples of shape ({string.Join(", ", s)})" : $"{values.SampleLength} values per sample";
                throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"{values.Describe(sourcePath)} has {has}, the model input {this} takes {(FixedSampleLength > 0 ? $"{FixedSampleLength} values per sample" : "samples of that rank")}", location);
            }
        }

        /// <summary>A tensor of samples [start, start + count), padded to a fixed batch by repeating the last sample.</summary>
        public OrtValue Bind(DatasetInput values, int start, int count, int batchSize)
        {
            var rows = Dimensions[0] > 0 ? batchSize : count;
            var shape = new long[Dimensions.Length];
            shape[0] = rows;
            for (var i = 1; i < shape.Length; i++)
            {
                shape[i] = Dimensions[i] > 0 ? Dimensions[i] : values.SampleShape![i - 1];
            }

            var batch = values.Batch(start, count).Span;
            var length = rows * values.SampleLength;
            return ElementType switch
            {
                TensorElementType.Float when rows == count => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshalExtensions.AsWritable(values.Batch(start, count)), shape),
                TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(Padded(batch, values.SampleLength, length, v => v), shape),
                TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(Padded(batch, values.SampleLength, length, v => (long)v), shape),
                TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(Padded(batch, values.SampleLength, length, v => (int)v), shape),
                _ => OrtValue.CreateTensorValueFromMemory(Padded(batch, values.SampleLength, length, v => v != 0), shape),
            };
        }

        public override string ToString() => $"'{Name}' ({ElementType} [{string.Join(", ", Dimensions.Select(d => d > 0 ? d.ToString(CultureInfo.InvariantCulture) : "?"))}])";

        private static T[] Padded<T>(ReadOnlySpan<float> batch, int sampleLength, int length, Func<float, T> convert)
        {
            var converted = new T[length];
            for (var i = 0; i < length; i++)
            {
                converted[i] = convert(batch[i < batch.Length ? i : batch.Length - sampleLength + (i % sampleLength)]);
            }

            return converted;
        }
    }
}

/// <summary>The outputs of one batch; valid only during the callback that receives it.</summary>
/// <param name="start">The batch's first sample.</param>
/// <param name="count">Its real samples.</param>
/// <param name="rows">The batch dimension the run used: <paramref name="count"/>, or a model's fixed batch size the samples were padded to.</param>
/// <param name="values">The requested outputs.</param>
public readonly struct BatchOutputs(int start, int count, int rows, IReadOnlyList<OrtValue> values)
{
    public int Start { get; } = start;

    public int Count { get; } = count;

    /// <summary>
    /// The <paramref name="index"/>-th requested output's values for the real (unpadded) samples of the batch. A tensor
    /// whose leading dimension is not the batch (an LSTM's [sequence, directions, batch, hidden] output) comes whole.
    /// </summary>
    public ReadOnlySpan<float> Output(int index)
    {
        var all = values[index].GetTensorDataAsSpan<float>();
        var shape = OutputShape(index);
        return shape.Length > 0 && shape[0] == rows ? all[..(OutputLengthPerSample(index) * Count)] : all;
    }

    /// <summary>Values per sample of the <paramref name="index"/>-th output.</summary>
    public int OutputLengthPerSample(int index)
    {
        var shape = OutputShape(index);
        return shape.Length == 0 ? 1 : (int)(shape.Skip(1).Aggregate(1L, (a, b) => a * b));
    }

    /// <summary>The <paramref name="index"/>-th output's shape as the run produced it (padded batch included).</summary>
    public long[] OutputShape(int index) => values[index].GetTensorTypeAndShape().Shape;
}
