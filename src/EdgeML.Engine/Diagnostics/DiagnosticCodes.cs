namespace EdgeML.Engine.Diagnostics;

/// <summary>
/// Every diagnostic code the product emits. Each one is documented in docs/diagnostics.md; a test checks
/// that the two lists agree.
/// </summary>
public static class DiagnosticCodes
{
    // 1xxx: the recipe file.
    public const string RecipeSyntax = "EDGEML1001";
    public const string RecipeUnknownKey = "EDGEML1002";
    public const string RecipeInvalidValue = "EDGEML1003";
    public const string RecipeMissingKey = "EDGEML1004";
    public const string RecipeFileNotFound = "EDGEML1005";
    public const string RecipeDuplicate = "EDGEML1006";

    // 2xxx: the ONNX model.
    public const string ModelUnreadable = "EDGEML2001";
    public const string ModelUnsupported = "EDGEML2002";
    public const string ModelRuntimeFailure = "EDGEML2003";
    public const string ModelExternalDataInvalid = "EDGEML2004";
    public const string NodeLeftInFloat = "EDGEML2101";
    public const string PruningBackedOff = "EDGEML2102";
    public const string LatencySlowerThanOriginal = "EDGEML2103";
    public const string LayersFellBackToFloat = "EDGEML2104";
    public const string LatencyFallback = "EDGEML2105";

    // 3xxx: validation and calibration data.
    public const string DataMalformed = "EDGEML3001";
    public const string DataMismatch = "EDGEML3002";
    public const string DataEmpty = "EDGEML3003";

    // 4xxx: gates.
    public const string GateAccuracy = "EDGEML4001";
    public const string GateAgreement = "EDGEML4002";
    public const string GateSize = "EDGEML4003";
    public const string GateLatency = "EDGEML4004";

    // 5xxx: build integration.
    public const string WorkerNotFound = "EDGEML5001";
    public const string WorkerFailed = "EDGEML5002";
    public const string OutputWriteFailed = "EDGEML5003";

    // 6xxx: signing and verifying model updates.
    public const string SigningKeyMissing = "EDGEML6001";
    public const string KeyUnreadable = "EDGEML6002";
    public const string KeyFileExists = "EDGEML6003";
    public const string UpdateRejected = "EDGEML6004";
    public const string UpdateMetadataInvalid = "EDGEML6005";

    // 9xxx: bugs.
    public const string InternalError = "EDGEML9001";
}
