namespace EdgeML.Runtime;

/// <summary>The JSON header of a signed update package (see docs/security.md).</summary>
/// <param name="FormatVersion">The package format; <see cref="UpdatePackage.FormatVersion"/>.</param>
/// <param name="Name">The model's name, which the device checks against the model it expects.</param>
/// <param name="Version">The model's version; each update must carry a higher one than the device has.</param>
/// <param name="ModelSha256">The model bytes' SHA-256 in lowercase hex.</param>
/// <param name="ModelLength">The number of model bytes after the header.</param>
/// <param name="KeyId">The signing key's id (<see cref="EdgeMLTrustedKey.IdOf"/>), so a device can tell a wrong key from a forgery.</param>
internal sealed record UpdatePackageHeader(int FormatVersion, string Name, long Version, string ModelSha256, long ModelLength, string KeyId);
