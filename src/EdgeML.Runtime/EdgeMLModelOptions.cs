using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Runtime;

/// <summary>Settings for the ONNX Runtime session that runs an embedded model.</summary>
public sealed class EdgeMLModelOptions
{
    /// <summary>Threads one operator may use; <see langword="null"/> leaves ONNX Runtime's default.</summary>
    public int? IntraOpNumThreads { get; init; }

    /// <summary>Threads that run independent operators in parallel; <see langword="null"/> leaves ONNX Runtime's default.</summary>
    public int? InterOpNumThreads { get; init; }

    /// <summary>How far ONNX Runtime rewrites the graph when it loads the model. Defaults to all optimizations.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// The execution providers to try, most preferred first. Those the installed ONNX Runtime lacks are skipped
    /// (and logged); CPU is always the last resort, listed or not. Empty (the default) means CPU only.
    /// </summary>
    public IReadOnlyList<EdgeMLExecutionProvider> ExecutionProviders { get; init; } = [];

    /// <summary>
    /// Receives one line for each execution provider skipped and each fallback taken (to CPU, to the fallback
    /// model, to the caller's fallback); <see langword="null"/> discards them. Called on the thread that hit the event.
    /// </summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Called last, with the session options the settings above produced, for anything they do not cover
    /// (execution providers, profiling, session configuration entries).
    /// </summary>
    public Action<SessionOptions>? ConfigureSessionOptions { get; init; }

    /// <summary>Session options with <paramref name="providers"/> registered; <paramref name="provider"/> is the first one ONNX Runtime accepted.</summary>
    internal SessionOptions CreateSessionOptions(IReadOnlyList<EdgeMLExecutionProvider> providers, out EdgeMLExecutionProvider provider)
    {
        var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel };
        try
        {
            provider = ExecutionProviderRegistration.AppendPreferred(sessionOptions, providers, Log);
            if (IntraOpNumThreads is { } intraOp)
            {
                sessionOptions.IntraOpNumThreads = intraOp;
            }

            if (InterOpNumThreads is { } interOp)
            {
                sessionOptions.InterOpNumThreads = interOp;
            }

            ConfigureSessionOptions?.Invoke(sessionOptions);
            return sessionOptions;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }
}
