using EdgeML.Engine.Data;
using EdgeML.Engine.Evaluation;
using EdgeML.Engine.Inference;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// How the optimizer times a model (original or candidate) on the validation data: <see cref="LatencyProbe"/> in
/// builds; tests inject a deterministic one to exercise the decisions that latency drives.
/// </summary>
/// <param name="model">The model's bytes.</param>
/// <param name="runner">A session over them.</param>
/// <param name="data">The validation data.</param>
internal delegate LatencyStats LatencyMeasurement(byte[] model, ModelRunner runner, LabeledDataset data);
