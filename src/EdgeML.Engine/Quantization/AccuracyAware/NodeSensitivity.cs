namespace EdgeML.Engine.Quantization.AccuracyAware;

/// <summary>
/// How much quantizing one node alone degrades the model: the signal-to-quantization-noise ratio of the
/// model's outputs, in dB. Lower is more sensitive.
/// </summary>
public sealed record NodeSensitivity(string Node, double SqnrDb);
