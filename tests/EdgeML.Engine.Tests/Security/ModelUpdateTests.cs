using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Security;
using EdgeML.Engine.Tests.Support;
using EdgeML.Runtime;

namespace EdgeML.Engine.Tests.Security;

[TestClass]
public sealed class ModelUpdateTests
{
    // An ECDSA P-256 signature in IEEE P1363 form ends every package (docs/security.md).
    private const int SignatureLength = 64;

    private static readonly byte[] Model = SecurityModels.Mlp();

    private static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    [TestMethod]
    public void AcceptsAPackageSignedWithTheTrustedKeyAndRecordsItsVersion()
    {
        using var key = NewKey();
        var store = new InMemoryModelVersionStore();

        var update = EdgeMLModelUpdate.Verify(ModelUpdateSigner.Sign(Model, "mlp", 7, key), key, store, expectedModelName: "mlp");

        Assert.AreEqual("mlp", update.ModelName);
        Assert.AreEqual(7, update.Version);
        CollectionAssert.AreEqual(Model, update.Model);
        Assert.AreEqual(Convert.ToHexString(SHA256.HashData(Model)).ToLowerInvariant(), update.ModelSha256);
        Assert.AreEqual(7L, store.GetVersion("mlp"));
    }

    [TestMethod]
    public void SignsAndVerifiesWithKeysFromPem()
    {
        using var generated = NewKey();
        using var signing = SigningKeysFromPem(generated.ExportPkcs8PrivateKeyPem());
        using var trusted = EdgeMLTrustedKey.FromPem(generated.ExportSubjectPublicKeyInfoPem());

        var update = EdgeMLModelUpdate.Verify(ModelUpdateSigner.Sign(Model, "mlp", 1, signing), trusted, new InMemoryModelVersionStore());

        Assert.AreEqual(EdgeMLTrustedKey.IdOf(generated), EdgeMLTrustedKey.IdOf(trusted));
        CollectionAssert.AreEqual(Model, update.Model);
    }

    [TestMethod]
    public void RejectsAPackageSignedWithAnotherKey()
    {
        using var trusted = NewKey();
        using var other = NewKey();

        AssertRejected(EdgeMLUpdateRejectionReason.UntrustedKey, ModelUpdateSigner.Sign(Model, "mlp", 1, other), trusted, "signed with the key");
    }

    [TestMethod]
    public void RejectsAForgedSignature()
    {
        using var key = NewKey();
        var package = ModelUpdateSigner.Sign(Model, "mlp", 1, key);
        package[^1] ^= 0x40;

        AssertRejected(EdgeMLUpdateRejectionReason.BadSignature, package, key, "signature does not match");
    }

    [TestMethod]
    public void RejectsAnAlteredHeader()
    {
        using var key = NewKey();
        var package = Replace(ModelUpdateSigner.Sign(Model, "mlp", 1, key), "\"version\":1", "\"version\":9");

        AssertRejected(EdgeMLUpdateRejectionReason.BadSignature, package, key, "signature does not match");
    }

    [TestMethod]
    public void RejectsATamperedModel()
    {
        using var key = NewKey();
        var package = ModelUpdateSigner.Sign(Model, "mlp", 1, key);
        package[^(SignatureLength + 10)] ^= 1;

        AssertRejected(EdgeMLUpdateRejectionReason.ModelHashMismatch, package, key, "the model was altered");
    }

    [TestMethod]
    public void RejectsAnotherModelThanTheExpectedOne()
    {
        using var key = NewKey();

        AssertRejected(EdgeMLUpdateRejectionReason.WrongModelName, ModelUpdateSigner.Sign(Model, "other", 1, key), key, "not 'mlp'", expectedName: "mlp");
    }

    [TestMethod]
    [DataRow(new byte[0])]
    [DataRow(new byte[] { (byte)'E', (byte)'D', (byte)'G', (byte)'E', (byte)'M', (byte)'L', (byte)'U', (byte)'2', 0, 0, 0, 0 })]
    public void RejectsBytesThatAreNoPackage(byte[] bytes)
    {
        using var key = NewKey();

        AssertRejected(EdgeMLUpdateRejectionReason.Malformed, bytes.Concat(new byte[80]).ToArray(), key, "malformed");
    }

    [TestMethod]
    public void RejectsATruncatedPackage()
    {
        using var key = NewKey();
        var package = ModelUpdateSigner.Sign(Model, "mlp", 1, key);

        AssertRejected(EdgeMLUpdateRejectionReason.Malformed, package[..^100], key, "model bytes");
    }

    [TestMethod]
    public void RejectsAHugeHeaderLength()
    {
        using var key = NewKey();
        var package = ModelUpdateSigner.Sign(Model, "mlp", 1, key);
        BinaryPrimitives.WriteUInt32LittleEndian(package.AsSpan(8), uint.MaxValue);

        AssertRejected(EdgeMLUpdateRejectionReason.Malformed, package, key, "header length");
    }

    [TestMethod]
    public void RejectsRollbacksEvenAfterTheStoreIsReopenedFromDisk()
    {
        using var directory = new TempDirectory();
        var path = directory.File("state/versions.json");
        using var key = NewKey();
        EdgeMLModelUpdate.Verify(ModelUpdateSigner.Sign(Model, "mlp", 5, key), key, new FileModelVersionStore(path));

        var reopened = new FileModelVersionStore(path);
        Assert.AreEqual(5L, reopened.GetVersion("mlp"));
        var older = Assert.ThrowsExactly<EdgeMLUpdateRejectedException>(() => EdgeMLModelUpdate.Verify(ModelUpdateSigner.Sign(Model, "mlp", 4, key), key, reopened));
        var replayed = Assert.ThrowsExactly<EdgeMLUpdateRejectedException>(() => EdgeMLModelUpdate.Verify(ModelUpdateSigner.Sign(Model, "mlp", 5, key), key, reopened));
        EdgeMLModelUpdate.Verify(ModelUpdateSigner.Sign(Model, "mlp", 6, key), key, reopened);

        Assert.AreEqual(EdgeMLUpdateRejectionReason.NotNewer, older.Reason);
        Assert.AreEqual(EdgeMLUpdateRejectionReason.NotNewer, replayed.Reason);
        Assert.Contains("version 4 is not newer than the installed version 5", older.Message);
        Assert.AreEqual(6L, new FileModelVersionStore(path).GetVersion("mlp"));
        Assert.IsNull(new FileModelVersionStore(path).GetVersion("other"));
        Assert.HasCount(1, Directory.GetFiles(directory.File("state")), "no temporary files are left behind");
    }

    [TestMethod]
    public void ACorruptVersionStoreIsAnErrorNotAnEmptyStore()
    {
        using var directory = new TempDirectory();
        var path = directory.Write("versions.json", "{\"mlp\":");

        Assert.ThrowsExactly<InvalidDataException>(() => new FileModelVersionStore(path));
    }

    [TestMethod]
    public void TrustsOnlyPublicP256Keys()
    {
        using var p256 = NewKey();
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Contains("public key", Assert.ThrowsExactly<ArgumentException>(() => EdgeMLTrustedKey.FromPem(p256.ExportPkcs8PrivateKeyPem())).Message);
        Assert.Contains("P-256", Assert.ThrowsExactly<ArgumentException>(() => EdgeMLTrustedKey.FromPem(p384.ExportSubjectPublicKeyInfoPem())).Message);
        Assert.ThrowsExactly<ArgumentException>(() => EdgeMLTrustedKey.FromPem("no key here"));
    }

    [TestMethod]
    [DataRow("", 1L)]
    [DataRow("mlp", 0L)]
    public void TheSignerRejectsAnEmptyNameOrAVersionBelowOne(string name, long version)
    {
        using var key = NewKey();

        var error = Assert.ThrowsExactly<EdgeMLException>(() => ModelUpdateSigner.Sign(Model, name, version, key));

        Assert.AreEqual(DiagnosticCodes.UpdateMetadataInvalid, error.Diagnostic.Code);
    }

    private static ECDsa SigningKeysFromPem(string pem)
    {
        using var directory = new TempDirectory();
        return SigningKeys.LoadPrivate(directory.Write("key.pem", pem));
    }

    private static byte[] Replace(byte[] package, string from, string to)
    {
        var text = Encoding.Latin1.GetString(package);
        Assert.Contains(from, text);
        return Encoding.Latin1.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }

    private static void AssertRejected(EdgeMLUpdateRejectionReason reason, byte[] package, ECDsa trusted, string messagePart, string? expectedName = null)
    {
        var store = new InMemoryModelVersionStore();

        var error = Assert.ThrowsExactly<EdgeMLUpdateRejectedException>(() => EdgeMLModelUpdate.Verify(package, trusted, store, expectedName));

        Assert.AreEqual(reason, error.Reason, error.Message);
        Assert.Contains(messagePart, error.Message);
        Assert.IsNull(store.GetVersion("mlp"), "a rejected package records no version");
    }
}
