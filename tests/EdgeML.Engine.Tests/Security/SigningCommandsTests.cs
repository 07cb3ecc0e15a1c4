using System.CommandLine;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Security;
using EdgeML.Engine.Tests.Support;
using EdgeML.Worker;

namespace EdgeML.Engine.Tests.Security;

/// <summary>`edgeml keygen`, `sign` and `verify`, run in-process as the command line would.</summary>
[TestClass]
[DoNotParallelize] // One test sets EDGEML_SIGNING_KEY for the whole process.
public sealed class SigningCommandsTests
{
    [TestMethod]
    public void KeygenSignAndVerifyRoundTrip()
    {
        using var directory = new TempDirectory();
        var (privateKey, publicKey) = Keygen(directory);
        File.WriteAllBytes(directory.File("model.onnx"), SecurityModels.Mlp());

        var (signed, signOutput) = Run("sign", directory.File("model.onnx"), "--name", "mlp", "--version", "3", "--key", privateKey, "--output", directory.File("mlp.edgeml-update"));
        var (verified, verifyOutput) = Run("verify", directory.File("mlp.edgeml-update"), "--public-key", publicKey, "--name", "mlp");

        Assert.AreEqual(0, signed, signOutput);
        Assert.AreEqual(0, verified, verifyOutput);
        Assert.Contains("model 'mlp' version 3", verifyOutput);
    }

    [TestMethod]
    public void KeygenWritesAUserOnlyPrivateKeyAndNeverOverwrites()
    {
        using var directory = new TempDirectory();
        var (privateKey, publicKey) = Keygen(directory);
        var original = File.ReadAllText(privateKey);

        var (exitCode, output) = Run("keygen", "--private-key", directory.File("other.pem"), "--public-key", publicKey);

        Assert.AreEqual(1, exitCode);
        Assert.Contains($"error {DiagnosticCodes.KeyFileExists}", output);
        Assert.IsFalse(File.Exists(directory.File("other.pem")), "nothing is written when either file exists");
        Assert.AreEqual(original, File.ReadAllText(privateKey));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", original);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(publicKey));
        if (!OperatingSystem.IsWindows())
        {
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privateKey));
        }
    }

    [TestMethod]
    public void SignsWithTheKeyFromTheEnvironmentWhenNoKeyFileIsGiven()
    {
        using var directory = new TempDirectory();
        var (privateKey, publicKey) = Keygen(directory);
        File.WriteAllBytes(directory.File("model.onnx"), SecurityModels.Mlp());
        string[] sign = ["sign", directory.File("model.onnx"), "--name", "mlp", "--version", "1", "--output", directory.File("mlp.edgeml-update")];

        Environment.SetEnvironmentVariable(SigningKeys.EnvironmentVariable, null);
        var (missing, missingOutput) = Run(sign);
        Environment.SetEnvironmentVariable(SigningKeys.EnvironmentVariable, File.ReadAllText(privateKey));
        try
        {
            var (signed, output) = Run(sign);

            Assert.AreEqual(0, signed, output);
            Assert.DoesNotContain("PRIVATE KEY", output);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SigningKeys.EnvironmentVariable, null);
        }

        Assert.AreEqual(1, missing);
        Assert.Contains($"error {DiagnosticCodes.SigningKeyMissing}", missingOutput);
        Assert.AreEqual(0, Run("verify", directory.File("mlp.edgeml-update"), "--public-key", publicKey).ExitCode);
    }

    [TestMethod]
    public void VerifyReportsATamperedPackage()
    {
        using var directory = new TempDirectory();
        var (privateKey, publicKey) = Keygen(directory);
        File.WriteAllBytes(directory.File("model.onnx"), SecurityModels.Mlp());
        Run("sign", directory.File("model.onnx"), "--name", "mlp", "--version", "1", "--key", privateKey, "--output", directory.File("mlp.edgeml-update"));
        var package = File.ReadAllBytes(directory.File("mlp.edgeml-update"));
        package[^80] ^= 1;
        File.WriteAllBytes(directory.File("mlp.edgeml-update"), package);

        var (exitCode, output) = Run("verify", directory.File("mlp.edgeml-update"), "--public-key", publicKey);

        Assert.AreEqual(1, exitCode);
        Assert.Contains($"error {DiagnosticCodes.UpdateRejected}", output);
        Assert.Contains("(ModelHashMismatch)", output);
    }

    [TestMethod]
    public void SignRefusesAFileThatIsNotAModelAndKeysOfTheWrongKind()
    {
        using var directory = new TempDirectory();
        var (privateKey, publicKey) = Keygen(directory);
        var notAModel = directory.Write("notes.txt", "hello");

        var (badModel, badModelOutput) = Run("sign", notAModel, "--name", "m", "--version", "1", "--key", privateKey, "--output", directory.File("x"));
        File.WriteAllBytes(directory.File("model.onnx"), SecurityModels.Mlp());
        var (publicAsPrivate, publicAsPrivateOutput) = Run("sign", directory.File("model.onnx"), "--name", "m", "--version", "1", "--key", publicKey, "--output", directory.File("x"));
        var (privateAsPublic, privateAsPublicOutput) = Run("verify", directory.File("model.onnx"), "--public-key", privateKey);

        Assert.AreEqual(1, badModel);
        Assert.Contains($"error {DiagnosticCodes.ModelUnreadable}", badModelOutput);
        Assert.AreEqual(1, publicAsPrivate);
        Assert.Contains($"error {DiagnosticCodes.KeyUnreadable}", publicAsPrivateOutput);
        Assert.AreEqual(1, privateAsPublic);
        Assert.Contains($"error {DiagnosticCodes.KeyUnreadable}", privateAsPublicOutput);
        Assert.IsFalse(File.Exists(directory.File("x")));
    }

    private static (string PrivateKey, string PublicKey) Keygen(TempDirectory directory)
    {
        var (privateKey, publicKey) = (directory.File("update.pem"), directory.File("update.pub"));
        var (exitCode, output) = Run("keygen", "--private-key", privateKey, "--public-key", publicKey);
        Assert.AreEqual(0, exitCode, output);
        return (privateKey, publicKey);
    }

    private static (int ExitCode, string Output) Run(params string[] args)
    {
        using var output = new StringWriter();
        var exitCode = WorkerCommands.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (exitCode, output.ToString());
    }
}
