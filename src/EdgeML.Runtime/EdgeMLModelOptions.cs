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
    /// Called last, with the session options the settings above produced, for anything they do not cover
    /// (execution providers, profiling, session configuration entries).
    /// </summary>
    public Action<SessionOptions>? ConfigureSessionOptions { get; init; }

    internal SessionOptions CreateSessionOptions()
    {
        var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel };
        try
        {
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
