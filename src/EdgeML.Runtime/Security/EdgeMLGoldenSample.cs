namespace EdgeML.Runtime;

/// <summary>
/// One run of the compressed model recorded on the build machine: the inputs it was given and the outputs it
/// produced. Rerunning the inputs on a device must reproduce the outputs (see <see cref="EdgeMLValidation"/>).
/// </summary>
public sealed class EdgeMLGoldenSample
{
    /// <summary>Creates the sample.</summary>
    /// <param name="inputs">One tensor per model input.</param>
    /// <param name="outputs">The model outputs to compare; float outputs only.</param>
    public EdgeMLGoldenSample(IReadOnlyList<EdgeMLTensorData> inputs, IReadOnlyList<EdgeMLTensorData> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        Inputs = inputs.ToArray();
        Outputs = outputs.ToArray();
    }

    /// <summary>One tensor per model input.</summary>
    public IReadOnlyList<EdgeMLTensorData> Inputs { get; }

    /// <summary>The outputs the model produced on the build machine.</summary>
    public IReadOnlyList<EdgeMLTensorData> Outputs { get; }
}
