using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Calibration;

/// <summary>
/// Summarizes one tensor's values, fed batch by batch, into the range its quantization should cover. An
/// implementation keeps a fixed amount of state, never the values themselves.
/// </summary>
public interface IRangeCollector
{
    void Add(ReadOnlySpan<float> values);

    /// <summary>The range for the values added so far; <see cref="TensorRange.Empty"/> when none were.</summary>
    TensorRange Range();
}
