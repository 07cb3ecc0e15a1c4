namespace EdgeML.Runtime;

/// <summary>Why <see cref="EdgeMLModelUpdate.Verify"/> refused an update package.</summary>
public enum EdgeMLUpdateRejectionReason
{
    /// <summary>The bytes are not an update package: wrong magic, truncated, or an unreadable header.</summary>
    Malformed,

    /// <summary>The package was signed with a key other than the trusted one.</summary>
    UntrustedKey,

    /// <summary>The signature does not match the package: the header or the signature was altered, or it was forged.</summary>
    BadSignature,

    /// <summary>The model's SHA-256 differs from the one in the header: the model was altered.</summary>
    ModelHashMismatch,

    /// <summary>The package holds another model than the one expected.</summary>
    WrongModelName,

    /// <summary>The package's version is not higher than the installed one (rollback protection).</summary>
    NotNewer,
}
