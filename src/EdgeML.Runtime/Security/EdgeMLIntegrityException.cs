namespace EdgeML.Runtime;

/// <summary>A model does not match the manifest that describes it: it was altered, or the manifest belongs to another model.</summary>
public sealed class EdgeMLIntegrityException : Exception
{
    /// <summary>Creates the exception with a message that names the model and says what does not match.</summary>
    /// <param name="message">What does not match.</param>
    public EdgeMLIntegrityException(string message)
        : base(message)
    {
    }
}
