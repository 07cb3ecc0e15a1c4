using Microsoft.ML.OnnxRuntime;

namespace EdgeML.Runtime;

/// <summary>Registers execution providers with ONNX Runtime, skipping the ones the installed build lacks.</summary>
internal static class ExecutionProviderRegistration
{
    /// <summary>
    /// Appends the preferred providers in order and returns the first one ONNX Runtime accepted (CPU when none
    /// was). ONNX Runtime gives each operator to the first registered provider that supports it, CPU last.
    /// </summary>
    public static EdgeMLExecutionProvider AppendPreferred(SessionOptions sessionOptions, IReadOnlyList<EdgeMLExecutionProvider> preferred, Action<string>? log)
    {
        EdgeMLExecutionProvider? first = null;

        // CPU takes every operator, so providers listed after it could never run anything.
        foreach (var provider in preferred.TakeWhile(provider => provider != EdgeMLExecutionProvider.Cpu))
        {
            try
            {
                Append(sessionOptions, provider);
                first ??= provider;
            }

            // A missing provider surfaces as OnnxRuntimeException, EntryPointNotFoundException, DllNotFoundException,
            // NotSupportedException … depending on the platform and package: any failure here means "not available".
            catch (Exception e)
            {
                log?.Invoke($"EdgeML: execution provider {provider} is not available ({e.GetType().Name}: {e.Message}); skipping it.");
            }
        }

        return first ?? EdgeMLExecutionProvider.Cpu;
    }

    private static void Append(SessionOptions sessionOptions, EdgeMLExecutionProvider provider)
    {
        switch (provider)
        {
            case EdgeMLExecutionProvider.Xnnpack:
                sessionOptions.AppendExecutionProvider("XNNPACK", []);
                break;
            case EdgeMLExecutionProvider.Nnapi:
                sessionOptions.AppendExecutionProvider_Nnapi();
                break;
            case EdgeMLExecutionProvider.CoreML:
                sessionOptions.AppendExecutionProvider_CoreML();
                break;
            case EdgeMLExecutionProvider.Qnn:
                sessionOptions.AppendExecutionProvider("QNN", new Dictionary<string, string> { ["backend_type"] = "htp" });
                break;
            case EdgeMLExecutionProvider.DirectML:
                sessionOptions.AppendExecutionProvider_DML();
                break;
            case EdgeMLExecutionProvider.Cuda:
                sessionOptions.AppendExecutionProvider_CUDA();
                break;
            case EdgeMLExecutionProvider.TensorRT:
                sessionOptions.AppendExecutionProvider_Tensorrt();
                break;
            case EdgeMLExecutionProvider.OpenVino:
                sessionOptions.AppendExecutionProvider_OpenVINO();
                break;
            default:
                throw new NotSupportedException($"EdgeML.Runtime does not know how to register {provider}.");
        }
    }
}
