namespace EdgeML.Runtime;

/// <summary>
/// Remembers the version of each model a device has accepted, so that <see cref="EdgeMLModelUpdate.Verify"/>
/// can refuse older packages (rollback protection). It must survive restarts to protect anything:
/// use <see cref="FileModelVersionStore"/> or an implementation backed by the device's own secure storage.
/// </summary>
public interface IEdgeMLModelVersionStore
{
    /// <summary>The version last accepted for a model.</summary>
    /// <param name="modelName">The model's name.</param>
    /// <returns>The version, or <see langword="null"/> when no update of the model has been accepted.</returns>
    long? GetVersion(string modelName);

    /// <summary>Records a newly accepted version; it must be durable when this returns.</summary>
    /// <param name="modelName">The model's name.</param>
    /// <param name="version">The version accepted.</param>
    void SetVersion(string modelName, long version);
}
