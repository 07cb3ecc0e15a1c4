using System.Text.Json.Serialization;

namespace EdgeML.Runtime;

/// <summary>
/// Source-generated serializers for the runtime's JSON (manifests, update headers, the version store), so
/// reading them needs no reflection and stays trim- and AOT-safe. Compact on purpose: manifests are embedded
/// in every app that ships a model.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // Golden outputs may legitimately hold NaN or infinity; JSON has no literal for them otherwise.
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(EdgeMLModelManifest))]
[JsonSerializable(typeof(UpdatePackageHeader))]
[JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class SecurityJsonContext : JsonSerializerContext;
