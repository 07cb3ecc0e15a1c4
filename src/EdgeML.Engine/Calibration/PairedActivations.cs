using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Inference;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Calibration;

/// <summary>One exposed tensor of one batch, as the float model and the quantized model computed it.</summary>
internal delegate void PairedBatchHandler(int tensor, ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate, int valuesPerSample);

/// <summary>
/// Runs the float model and a quantized copy side by side over calibration data, with the same tensors exposed,
/// and hands each batch's pair of values to a handler. Only one batch of the float model's values is held at a
/// time, so memory stays flat however many samples are used.
/// </summary>
internal static class PairedActivations
{
    public static void Run(ModelProto reference, ModelProto candidate, IReadOnlyList<string> tensors, LabeledDataset data, SourceLocation dataLocation, PairedBatchHandler onBatch)
    {
        using var referenceRunner = ModelRunner.Create(ActivationCalibrator.ExposeTensors(reference, tensors).ToByteArray(), "the float model");
        using var candidateRunner = ModelRunner.Create(ActivationCalibrator.ExposeTensors(candidate, tensors).ToByteArray(), "the quantized model");
        referenceRunner.EnsureFits(data, dataLocation);

        // Chunk by chunk, the float values wait for the quantized ones of the same samples. Both models expose the same
        // float tensors, so both runners split a chunk into the same batches; they are matched by their first sample.
        for (var start = 0; start < data.Count; start += referenceRunner.BatchSize)
        {
            var chunk = data.Slice(start, Math.Min(referenceRunner.BatchSize, data.Count - start));
            var expected = new Dictionary<int, float[][]>();
            referenceRunner.RunBatches(chunk, tensors, batch =>
                expected[batch.Start] = Enumerable.Range(0, tensors.Count).Select(i => batch.Output(i).ToArray()).ToArray());
            candidateRunner.RunBatches(chunk, tensors, batch =>
            {
                var reference = expected[batch.Start];
                for (var i = 0; i < tensors.Count; i++)
                {
                    onBatch(i, reference[i], batch.Output(i), batch.OutputLengthPerSample(i));
                }
            });
        }
    }
}
