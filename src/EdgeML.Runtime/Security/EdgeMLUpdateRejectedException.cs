namespace EdgeML.Runtime;

/// <summary>An update package failed verification and must not be installed; <see cref="Reason"/> says why.</summary>
public sealed class EdgeMLUpdateRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">Why the package was refused.</param>
    /// <param name="message">The reason in words, with the details that help find the cause.</param>
    public EdgeMLUpdateRejectedException(EdgeMLUpdateRejectionReason reason, string message)
        : base(message) => Reason = reason;

    /// <summary>Why the package was refused.</summary>
    public EdgeMLUpdateRejectionReason Reason { get; }
}
