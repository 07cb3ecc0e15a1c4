namespace EdgeML.Runtime;

/// <summary>
/// An ONNX Runtime execution provider: the hardware backend that runs the model's operators. Which ones
/// exist depends on the ONNX Runtime package the application ships (the default one has only CPU).
/// </summary>
public enum EdgeMLExecutionProvider
{
    /// <summary>ONNX Runtime's default CPU kernels; always available and always the last resort.</summary>
    Cpu,

    /// <summary>XNNPACK, optimized CPU kernels for ARM and x86 (mobile packages).</summary>
    Xnnpack,

    /// <summary>Android's Neural Networks API.</summary>
    Nnapi,

    /// <summary>Apple's Core ML (macOS, iOS).</summary>
    CoreML,

    /// <summary>Qualcomm's AI Engine Direct (QNN), on its HTP (NPU) backend.</summary>
    Qnn,

    /// <summary>DirectML on Windows GPUs, device 0.</summary>
    DirectML,

    /// <summary>NVIDIA CUDA, device 0.</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT, device 0.</summary>
    TensorRT,

    /// <summary>Intel OpenVINO, on its default device.</summary>
    OpenVino,
}
