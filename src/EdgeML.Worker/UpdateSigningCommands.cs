using System.Globalization;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.IO;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Security;
using EdgeML.Runtime;

namespace EdgeML.Worker;

/// <summary>
/// `edgeml keygen`, `sign` and `verify`: the key pair and signed packages of over-the-air model updates
/// (docs/security.md). Each returns 0 on success and 1 after writing the diagnostic of a problem the user can fix.
/// </summary>
internal sealed class UpdateSigningCommands(TextWriter output)
{
    public int Keygen(string privateKeyPath, string publicKeyPath) => Report(() =>
    {
        var keyId = KeyPairGenerator.Generate(privateKeyPath, publicKeyPath);
        return $"created key {keyId}: private key '{privateKeyPath}' (keep it secret; CI can pass it in {SigningKeys.EnvironmentVariable}), public key '{publicKeyPath}' (embed it in the app)";
    });

    public int Sign(string modelPath, string name, long version, string? privateKeyPath, string outputPath) => Report(() =>
    {
        var model = ReadModel(modelPath);
        using var key = SigningKeys.LoadPrivate(privateKeyPath);
        AtomicFile.WriteAllBytes(outputPath, ModelUpdateSigner.Sign(model, name, version, key));
        return string.Create(CultureInfo.InvariantCulture, $"signed '{name}' version {version} ({model.Length:N0} bytes) with key {EdgeMLTrustedKey.IdOf(key)} → '{outputPath}'");
    });

    public int Verify(string packagePath, string publicKeyPath, string? expectedName) => Report(() =>
    {
        var package = ReadPackage(packagePath);
        using var key = SigningKeys.LoadPublic(publicKeyPath);
        try
        {
            // A fresh store: this checks the signature, hash and name; rollback is the device's to check.
            var update = EdgeMLModelUpdate.Verify(package, key, new InMemoryModelVersionStore(), expectedName);
            return string.Create(CultureInfo.InvariantCulture,
                $"'{packagePath}' is valid: model '{update.ModelName}' version {update.Version}, {update.Model.Length:N0} bytes, SHA-256 {update.ModelSha256}, signed by key {EdgeMLTrustedKey.IdOf(key)}");
        }
        catch (EdgeMLUpdateRejectedException e)
        {
            throw new EdgeMLException(DiagnosticCodes.UpdateRejected, $"'{packagePath}': {e.Message} ({e.Reason})", inner: e);
        }
    });

    private int Report(Func<string> command)
    {
        try
        {
            output.WriteLine($"EdgeML: {command()}");
            return 0;
        }
        catch (EdgeMLException e)
        {
            output.WriteLine(e.Diagnostic.ToString());
            return 1;
        }
    }

    // Signing something that is not a model is almost always the wrong file.
    private static byte[] ReadModel(string path)
    {
        var model = ReadAll(path, DiagnosticCodes.ModelUnreadable, "the model");
        OnnxModelFile.Parse(model, path);
        return model;
    }

    private static byte[] ReadPackage(string path) => ReadAll(path, DiagnosticCodes.UpdateRejected, "the update package");

    private static byte[] ReadAll(string path, string code, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMLException(code, $"cannot read {what} '{path}': {e.Message}");
        }
    }
}
