using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Runtime;

/// <summary>
/// A loaded model, ready to run. The classes EdgeML.Build generates wrap one of these; it can also be used directly.
/// All members are safe to call from many threads at once. The span <c>Run</c> allocates nothing once warm; when
/// the model fails to load or run, the session falls back to a fallback model, then to the caller's fallback.
/// <see cref="Dispose"/> waits for runs in flight; later calls throw <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class EdgeMLSession : IDisposable
{
    private readonly EdgeMLModelOptions _options;
    private readonly EdgeMLModelSource? _fallbackSource;
    private readonly CallGate _calls = new();
    private readonly object _fallbackLock = new();
    private readonly LoadedModel? _primary;
    private LoadedModel? _fallback;
    private bool _fallbackUnavailable;
    private volatile LoadedModel _active;
    private long _fallbackCount;

    private EdgeMLSession(EdgeMLModelSource model, EdgeMLModelOptions options, EdgeMLModelSource? fallbackModel)
    {
        _options = options;
        _fallbackSource = fallbackModel;
        try
        {
            _primary = _active = Load(model);
        }
        catch (EdgeMLModelLoadException error) when (fallbackModel is not null)
        {
            RecordFallback(model, "model", error, $"cannot load {model}: {error.Message} Using the fallback model {fallbackModel}.");
            _fallback = _active = Load(fallbackModel);
        }
    }

    /// <summary>The model's inputs in the order ONNX Runtime reports them; an input index points into this list.</summary>
    public IReadOnlyList<TensorInfo> Inputs => _active.Inputs;

    /// <summary>The model's outputs in graph order; an output index points into this list.</summary>
    public IReadOnlyList<TensorInfo> Outputs => _active.Outputs;

    /// <summary>
    /// The execution provider in use, e.g. <c>Cpu</c> or <c>Cuda</c>: the most preferred one ONNX Runtime accepted.
    /// Operators it cannot run go to the next registered provider, CPU last.
    /// </summary>
    public string ExecutionProvider => _active.ExecutionProvider;

    /// <summary>Whether runs now go to the fallback model because the primary one failed to load or run.</summary>
    public bool IsUsingFallbackModel => _active != _primary;

    /// <summary>How many fallbacks this session has taken: to CPU, to the fallback model and to callers' fallbacks.</summary>
    public long FallbackCount => Interlocked.Read(ref _fallbackCount);

    /// <summary>Loads a model, with a fallback model to use if it fails to load or run.</summary>
    /// <param name="model">The model to run.</param>
    /// <param name="options">Session settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="fallbackModel">
    /// A model with the same inputs and outputs (e.g. the uncompressed one), loaded only when first needed;
    /// <see langword="null"/> for none.
    /// </param>
    /// <returns>The loaded session.</returns>
    /// <exception cref="EdgeMLModelLoadException">Neither the model nor the fallback model can be loaded.</exception>
    public static EdgeMLSession Open(EdgeMLModelSource model, EdgeMLModelOptions? options = null, EdgeMLModelSource? fallbackModel = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new EdgeMLSession(model, options ?? new EdgeMLModelOptions(), fallbackModel);
    }

    /// <summary>Loads a model that an assembly embeds as a manifest resource; a shortcut for <see cref="Open"/>.</summary>
    /// <param name="assembly">The assembly that holds the resource, usually the one of the generated class.</param>
    /// <param name="resourceName">The manifest resource name, e.g. <c>EdgeML/digits.onnx</c>.</param>
    /// <param name="options">Session settings; <see langword="null"/> uses the defaults.</param>
    /// <returns>The loaded session.</returns>
    /// <exception cref="EdgeMLModelLoadException">The assembly has no such resource, or ONNX Runtime cannot load it.</exception>
    public static EdgeMLSession FromEmbeddedResource(Assembly assembly, string resourceName, EdgeMLModelOptions? options = null) =>
        Open(EdgeMLModelSource.FromEmbeddedResource(assembly, resourceName), options);

    /// <summary>Loads a model from its serialized bytes; a shortcut for <see cref="Open"/>, naming the model <c>model</c>.</summary>
    /// <param name="model">The ONNX model file's contents.</param>
    /// <param name="options">Session settings; <see langword="null"/> uses the defaults.</param>
    /// <returns>The loaded session.</returns>
    /// <exception cref="EdgeMLModelLoadException">ONNX Runtime cannot load the model.</exception>
    public static EdgeMLSession FromBytes(byte[] model, EdgeMLModelOptions? options = null) =>
        Open(EdgeMLModelSource.FromBytes(model, "model"), options);

    /// <summary>Loads a model from an ONNX file; a shortcut for <see cref="Open"/>.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="options">Session settings; <see langword="null"/> uses the defaults.</param>
    /// <returns>The loaded session.</returns>
    /// <exception cref="EdgeMLModelLoadException">The file is missing, or ONNX Runtime cannot load it.</exception>
    public static EdgeMLSession FromFile(string path, EdgeMLModelOptions? options = null) =>
        Open(EdgeMLModelSource.FromFile(path), options);

    /// <summary>
    /// Runs the model on one input and writes one output into the caller's buffer. Once warm (the same indexes and
    /// shapes as an earlier run), it allocates nothing. Any other inputs must be optional in the model.
    /// </summary>
    /// <typeparam name="TIn">The input's element type, e.g. <see cref="float"/>.</typeparam>
    /// <typeparam name="TOut">The output's element type.</typeparam>
    /// <param name="inputIndex">The input's position in <see cref="Inputs"/>.</param>
    /// <param name="input">The input values in row-major order.</param>
    /// <param name="inputShape">The input's shape; one dimension may be -1, inferred from the number of values.</param>
    /// <param name="outputIndex">The output's position in <see cref="Outputs"/>.</param>
    /// <param name="output">Receives the output values in row-major order.</param>
    /// <param name="outputShape">The output's shape; one dimension may be -1, inferred from the buffer's length.</param>
    /// <exception cref="ArgumentException">An index, element type, shape or length does not match the model.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed to run the model, and the fallback model too, if any.</exception>
    /// <exception cref="ObjectDisposedException">The session has been disposed.</exception>
    public void Run<TIn, TOut>(int inputIndex, ReadOnlySpan<TIn> input, ReadOnlySpan<long> inputShape, int outputIndex, Span<TOut> output, ReadOnlySpan<long> outputShape)
        where TIn : unmanaged
        where TOut : unmanaged =>
        Run(inputIndex, input, inputShape, outputIndex, output, outputShape, fallback: null);

    /// <summary>
    /// Runs the model like <see cref="Run{TIn, TOut}(int, ReadOnlySpan{TIn}, ReadOnlySpan{long}, int, Span{TOut}, ReadOnlySpan{long})"/>;
    /// when the run fails and no fallback model can stand in, <paramref name="fallback"/> computes the output instead.
    /// </summary>
    /// <typeparam name="TIn">The input's element type, e.g. <see cref="float"/>.</typeparam>
    /// <typeparam name="TOut">The output's element type.</typeparam>
    /// <param name="inputIndex">The input's position in <see cref="Inputs"/>.</param>
    /// <param name="input">The input values in row-major order.</param>
    /// <param name="inputShape">The input's shape; one dimension may be -1, inferred from the number of values.</param>
    /// <param name="outputIndex">The output's position in <see cref="Outputs"/>.</param>
    /// <param name="output">Receives the output values in row-major order.</param>
    /// <param name="outputShape">The output's shape; one dimension may be -1, inferred from the buffer's length.</param>
    /// <param name="fallback">The last resort for failed runs; <see langword="null"/> lets the failure propagate.</param>
    /// <exception cref="ArgumentException">An index, element type, shape or length does not match the model.</exception>
    /// <exception cref="OnnxRuntimeException">The run failed and there was nothing to fall back to.</exception>
    /// <exception cref="ObjectDisposedException">The session has been disposed.</exception>
    public void Run<TIn, TOut>(int inputIndex, ReadOnlySpan<TIn> input, ReadOnlySpan<long> inputShape, int outputIndex, Span<TOut> output, ReadOnlySpan<long> outputShape, EdgeMLFallback<TIn, TOut>? fallback)
        where TIn : unmanaged
        where TOut : unmanaged
    {
        _calls.Enter();
        try
        {
            var model = _active;
            OnnxRuntimeException failure;
            try
            {
                model.Run(inputIndex, input, inputShape, outputIndex, output, outputShape);
                return;
            }
            catch (OnnxRuntimeException e)
            {
                failure = e;
            }

            if (SwitchToFallbackModel(model, failure) is { } fallbackModel)
            {
                try
                {
                    fallbackModel.Run(inputIndex, input, inputShape, outputIndex, output, outputShape);
                    return;
                }
                catch (OnnxRuntimeException e)
                {
                    failure = e;
                    model = fallbackModel;
                }
            }

            if (fallback is null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }

            RecordFallback(model.Source, "delegate", failure, $"running {model.Source} failed: {failure.Message} Using the caller's fallback.");
            fallback(input, output);
        }
        finally
        {
            _calls.Exit();
        }
    }

    /// <summary>
    /// Runs the model like <see cref="Run{TIn, TOut}(int, ReadOnlySpan{TIn}, ReadOnlySpan{long}, int, Span{TOut}, ReadOnlySpan{long})"/>,
    /// but reports every failure, invalid arguments and disposal included, instead of throwing it.
    /// </summary>
    /// <typeparam name="TIn">The input's element type, e.g. <see cref="float"/>.</typeparam>
    /// <typeparam name="TOut">The output's element type.</typeparam>
    /// <param name="inputIndex">The input's position in <see cref="Inputs"/>.</param>
    /// <param name="input">The input values in row-major order.</param>
    /// <param name="inputShape">The input's shape; one dimension may be -1, inferred from the number of values.</param>
    /// <param name="outputIndex">The output's position in <see cref="Outputs"/>.</param>
    /// <param name="output">Receives the output values in row-major order.</param>
    /// <param name="outputShape">The output's shape; one dimension may be -1, inferred from the buffer's length.</param>
    /// <param name="error">Why the run failed, or <see langword="null"/> when it succeeded.</param>
    /// <returns><see langword="true"/> when <paramref name="output"/> holds the model's output.</returns>
    public bool TryRun<TIn, TOut>(int inputIndex, ReadOnlySpan<TIn> input, ReadOnlySpan<long> inputShape, int outputIndex, Span<TOut> output, ReadOnlySpan<long> outputShape, out Exception? error)
        where TIn : unmanaged
        where TOut : unmanaged =>
        TryRun(inputIndex, input, inputShape, outputIndex, output, outputShape, fallback: null, out error);

    /// <summary>Like <see cref="Run{TIn, TOut}(int, ReadOnlySpan{TIn}, ReadOnlySpan{long}, int, Span{TOut}, ReadOnlySpan{long}, EdgeMLFallback{TIn, TOut}?)"/>, but reports a failure instead of throwing it.</summary>
    /// <typeparam name="TIn">The input's element type, e.g. <see cref="float"/>.</typeparam>
    /// <typeparam name="TOut">The output's element type.</typeparam>
    /// <param name="inputIndex">The input's position in <see cref="Inputs"/>.</param>
    /// <param name="input">The input values in row-major order.</param>
    /// <param name="inputShape">The input's shape; one dimension may be -1, inferred from the number of values.</param>
    /// <param name="outputIndex">The output's position in <see cref="Outputs"/>.</param>
    /// <param name="output">Receives the output values in row-major order.</param>
    /// <param name="outputShape">The output's shape; one dimension may be -1, inferred from the buffer's length.</param>
    /// <param name="fallback">Computes the output when the run fails and no fallback model is available; null for none.</param>
    /// <param name="error">Why the run failed, or <see langword="null"/> when it succeeded.</param>
    /// <returns><see langword="true"/> when <paramref name="output"/> holds the model's (or the fallback's) output.</returns>
    public bool TryRun<TIn, TOut>(int inputIndex, ReadOnlySpan<TIn> input, ReadOnlySpan<long> inputShape, int outputIndex, Span<TOut> output, ReadOnlySpan<long> outputShape,
        EdgeMLFallback<TIn, TOut>? fallback, out Exception? error)
        where TIn : unmanaged
        where TOut : unmanaged
    {
        try
        {
            Run(inputIndex, input, inputShape, outputIndex, output, outputShape, fallback);
            error = null;
            return true;
        }
        catch (Exception e)
        {
            error = e;
            return false;
        }
    }

    /// <summary>Creates an empty set of input values for <see cref="Run(IReadOnlyList{OrtValue})"/>, one slot per model input.</summary>
    /// <returns>Inputs to fill with <see cref="EdgeMLInputs.Set{T}"/>; dispose them after the run.</returns>
    public EdgeMLInputs CreateInputs() => new(Inputs);

    /// <summary>Runs the model on all of its inputs and returns all of its outputs, allocated by ONNX Runtime.</summary>
    /// <param name="inputs">One value per model input, in the order of <see cref="Inputs"/>, e.g. an <see cref="EdgeMLInputs"/>.</param>
    /// <returns>The outputs in the order of <see cref="Outputs"/>; dispose them when done.</returns>
    /// <exception cref="ArgumentException">The number of values is not the number of model inputs.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed to run the model, and the fallback model too, if any.</exception>
    /// <exception cref="ObjectDisposedException">The session has been disposed.</exception>
    public EdgeMLOutputs Run(IReadOnlyList<OrtValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        _calls.Enter();
        try
        {
            var model = _active;
            try
            {
                return model.Run(inputs);
            }
            catch (OnnxRuntimeException e) when (SwitchToFallbackModel(model, e) is { } fallbackModel)
            {
                return fallbackModel.Run(inputs);
            }
        }
        finally
        {
            _calls.Exit();
        }
    }

    /// <summary>
    /// Runs the model once on zeros (dynamic dimensions set to 1), so that ONNX Runtime's one-time work, such as
    /// allocating its memory arena, happens now rather than in the first real run.
    /// </summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed to run the model.</exception>
    /// <exception cref="ObjectDisposedException">The session has been disposed.</exception>
    public void Warmup()
    {
        _calls.Enter();
        try
        {
            _active.Warmup();
        }
        finally
        {
            _calls.Exit();
        }
    }

    /// <summary>
    /// Waits for the runs in flight to finish, then releases the ONNX Runtime sessions. Do not call it from a
    /// fallback delegate, which runs inside a run.
    /// </summary>
    public void Dispose()
    {
        if (_calls.Close())
        {
            _primary?.Dispose();
            _fallback?.Dispose();
        }
    }

    internal static TensorInfo Select(IReadOnlyList<TensorInfo> tensors, int index, string paramName) =>
        (uint)index < (uint)tensors.Count
            ? tensors[index]
            : throw new ArgumentOutOfRangeException(paramName, index, $"the model has {tensors.Count} of them: {string.Join(", ", tensors.Select(t => t.Name))}.");

    private LoadedModel Load(EdgeMLModelSource source)
    {
        var model = LoadedModel.Load(source, _options);
        if (model.ProviderFailure is { } failure)
        {
            RecordFallback(source, "execution_provider", failure, $"cannot start {source} with its preferred execution providers: {failure.Message} Using CPU.");
        }

        return model;
    }

    /// <summary>
    /// Makes the fallback model the active one, loading it the first time, after <paramref name="failed"/> failed a
    /// run; returns it, or <see langword="null"/> when there is none to switch to.
    /// </summary>
    private LoadedModel? SwitchToFallbackModel(LoadedModel failed, Exception error)
    {
        if (_fallbackSource is null || failed == _fallback)
        {
            return null;
        }

        lock (_fallbackLock)
        {
            if (_fallback is null && !_fallbackUnavailable)
            {
                _fallback = TryLoadFallback(_fallbackSource);
                _fallbackUnavailable = _fallback is null;
            }

            if (_fallback is not null)
            {
                RecordFallback(failed.Source, "model", error, $"running {failed.Source} failed: {error.Message} Using the fallback model {_fallbackSource}.");
                _active = _fallback;
            }

            return _fallback;
        }
    }

    private LoadedModel? TryLoadFallback(EdgeMLModelSource source)
    {
        LoadedModel model;
        try
        {
            model = Load(source);
        }
        catch (EdgeMLModelLoadException e)
        {
            _options.Log?.Invoke($"EdgeML: the fallback model {source} is unavailable: {e.Message}");
            return null;
        }

        if (_primary is not null && !_primary.HasSameSignatureAs(model))
        {
            _options.Log?.Invoke($"EdgeML: the fallback model {source} is unavailable: its inputs and outputs differ from those of {_primary.Source}.");
            model.Dispose();
            return null;
        }

        return model;
    }

    private void RecordFallback(EdgeMLModelSource model, string kind, Exception error, string message)
    {
        Interlocked.Increment(ref _fallbackCount);
        EdgeMLTelemetry.RecordFallback(model, kind, error);
        _options.Log?.Invoke($"EdgeML: {message}");
    }
}
