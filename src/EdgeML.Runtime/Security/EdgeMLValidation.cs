namespace EdgeML.Runtime;

/// <summary>
/// The on-device self-test: reruns a manifest's golden samples through a session and measures how far the
/// outputs are from those recorded on the build machine. A large deviation means the device runs the model
/// differently (another execution provider, a broken native library) or runs another model.
/// </summary>
public static class EdgeMLValidation
{
    /// <summary>Reruns every golden sample of <paramref name="manifest"/> through <paramref name="session"/>.</summary>
    /// <param name="session">The loaded model.</param>
    /// <param name="manifest">The model's manifest.</param>
    /// <returns>The deviations; check them with <see cref="EdgeMLValidationResult.Passed"/>.</returns>
    /// <exception cref="EdgeMLIntegrityException">A golden sample does not fit the model: a tensor is missing, unknown, or of another size.</exception>
    public static EdgeMLValidationResult Validate(EdgeMLSession session, EdgeMLModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(manifest);

        var deviations = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < manifest.GoldenSamples.Count; i++)
        {
            var sample = manifest.GoldenSamples[i];
            using var inputs = session.CreateInputs();
            for (var input = 0; input < session.Inputs.Count; input++)
            {
                var golden = Find(sample.Inputs, session.Inputs[input].Name, manifest, i);
                inputs.Set(input, golden.Values, golden.Shape.ToArray());
            }

            using var outputs = session.Run(inputs);
            foreach (var golden in sample.Outputs)
            {
                var index = IndexOf(session.Outputs, golden.Name, manifest, i);
                var deviation = MaxAbsoluteDifference(golden, outputs.AsSpan<float>(index), manifest, i);
                deviations[golden.Name] = Math.Max(deviations.GetValueOrDefault(golden.Name), deviation);
            }
        }

        return new EdgeMLValidationResult(manifest.GoldenSamples.Count, deviations);
    }

    private static EdgeMLTensorData Find(IReadOnlyList<EdgeMLTensorData> tensors, string name, EdgeMLModelManifest manifest, int sample) =>
        tensors.FirstOrDefault(t => t.Name == name)
            ?? throw Mismatch(manifest, sample, $"has no value for the model input '{name}'");

    private static int IndexOf(IReadOnlyList<TensorInfo> outputs, string name, EdgeMLModelManifest manifest, int sample)
    {
        for (var i = 0; i < outputs.Count; i++)
        {
            if (outputs[i].Name == name)
            {
                return i;
            }
        }

        throw Mismatch(manifest, sample, $"records an output '{name}' that the model does not have");
    }

    private static double MaxAbsoluteDifference(EdgeMLTensorData golden, ReadOnlySpan<float> actual, EdgeMLModelManifest manifest, int sample)
    {
        var expected = golden.Values;
        if (actual.Length != expected.Length)
        {
            throw Mismatch(manifest, sample, $"records {expected.Length} values for the output '{golden.Name}'; the model produced {actual.Length}");
        }

        var max = 0d;
        for (var i = 0; i < expected.Length; i++)
        {
            // Equal values (both NaN, or the same infinity) deviate by 0; a lone NaN by infinity, never by NaN,
            // which would compare as "within tolerance".
            var difference = expected[i].Equals(actual[i]) ? 0d : Math.Abs((double)expected[i] - actual[i]);
            max = Math.Max(max, double.IsNaN(difference) ? double.PositiveInfinity : difference);
        }

        return max;
    }

    private static EdgeMLIntegrityException Mismatch(EdgeMLModelManifest manifest, int sample, string problem) =>
        new($"golden sample {sample} of the manifest of '{manifest.RecipeId}' {problem}; the manifest does not belong to this model.");
}
