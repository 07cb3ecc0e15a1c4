namespace EdgeML.Runtime;

/// <summary>The model could not be loaded: its resource or file is missing, or ONNX Runtime rejects it.</summary>
public sealed class EdgeMLModelLoadException : Exception
{
    /// <summary>Creates the exception with a message that says which model failed and why.</summary>
    /// <param name="message">What went wrong.</param>
    public EdgeMLModelLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The error ONNX Runtime or the file system reported.</param>
    public EdgeMLModelLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
