using System.Text.Json;
using EdgeML.Engine.Recipes;

using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>Keeps schema/edgeml-recipe.schema.json describing exactly what the parser accepts.</summary>
[TestClass]
public sealed class RecipeSchemaTests
{
    private static JsonDocument schema = null!;

    [ClassInitialize]
    public static void LoadSchema(TestContext context) =>
        schema = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.PathOf("schema/edgeml-recipe.schema.json")));

    [ClassCleanup]
    public static void DisposeSchema() => schema.Dispose();

    [TestMethod]
    public void SchemaIsDraft07()
    {
        Assert.AreEqual("http://json-schema.org/draft-07/schema#", schema.RootElement.GetProperty("$schema").GetString());
    }

    [TestMethod]
    public void SchemaHasTheParsersSectionsAndKeys()
    {
        var schemaSections = new List<string>();
        CollectSections(schema.RootElement, "", schemaSections);
        var parserSections = RecipeSection.All.Select(section => Describe(section.Path, section.Keys)).ToList();

        var onlyInParser = parserSections.Except(schemaSections).ToList();
        var onlyInSchema = schemaSections.Except(parserSections).ToList();
        Assert.IsEmpty(onlyInParser, $"the parser reads these sections, the schema has them otherwise:\n{string.Join("\n", onlyInParser)}");
        Assert.IsEmpty(onlyInSchema, $"the schema has these sections, the parser reads them otherwise:\n{string.Join("\n", onlyInSchema)}");
    }

    [TestMethod]
    public void SchemaRejectsUnknownKeysEverywhere()
    {
        foreach (var section in RecipeSection.All)
        {
            var additional = Node(section.Path).GetProperty("additionalProperties");
            Assert.AreEqual(JsonValueKind.False, additional.ValueKind, $"'{section.Path}' must set additionalProperties: false");
        }
    }

    [TestMethod]
    public void SchemaEnumsAreTheParsersValues()
    {
        AssertEnum(RecipeNode.EnumNames<QuantizationMode>(), Node("steps[].quantize.mode"));
        AssertEnum(RecipeNode.EnumNames<WeightType>(), Node("steps[].quantize.weights"));
        CollectionAssert.AreEqual(QuantizeStep.BlockSizes.ToArray(), Node("steps[].quantize.block_size").GetProperty("enum").EnumerateArray().Select(size => size.GetInt32()).ToArray());
        AssertEnum(RecipeNode.EnumNames<ActivationType>(), Node("steps[].quantize.activations"));
        AssertEnum(RecipeNode.EnumNames<CalibrationMethod>(), Node("steps[].quantize.calibration.method"));
        AssertEnum(QuantizeStep.KnownOpTypes, Node("steps[].quantize.ops").GetProperty("items"));
        AssertEnum([.. RecipeNode.EnumNames<ActivationType>(), "float"], Node("steps[].quantize.overrides.*.type"));
        AssertEnum(RecipeNode.EnumNames<ModelStorage>(), Node("storage"));
        AssertEnum(RecipeNode.EnumNames<PruningScope>(), Node("steps[].prune.scope"));
        AssertEnum(PruneStep.DefaultOpTypes, Node("steps[].prune.ops").GetProperty("items"));
        AssertEnum(RecipeNode.EnumNames<ChannelImportance>(), Node("steps[].prune_channels.importance"));
        AssertEnum(RecipeNode.EnumNames<CalibrationMethod>(), Node("steps[].prune_channels.calibration.method"));
    }

    [TestMethod]
    public void SchemaPatternsAreTheParsersPatterns()
    {
        Assert.AreEqual(RecipeNameRules.IdentifierPattern, Node("class").GetProperty("pattern").GetString());
        Assert.AreEqual(RecipeNameRules.NamespacePattern, Node("namespace").GetProperty("pattern").GetString());
        Assert.AreEqual(SizeLiteral.Pattern, StringAlternative(Node("gates.size.max")).GetProperty("pattern").GetString());
        Assert.AreEqual(DurationLiteral.Pattern, StringAlternative(Node("gates.latency.p95_max")).GetProperty("pattern").GetString());
    }

    [TestMethod]
    public void SchemaDefaultsAreTheParsersDefaults()
    {
        Assert.AreEqual(RecipeParser.FormatVersion, Node("version").GetProperty("default").GetInt32());
        Assert.AreEqual(QuantizeStep.DefaultBlockSize, Node("steps[].quantize.block_size").GetProperty("default").GetInt32());
        Assert.AreEqual(RecipeNode.EnumNames<ActivationType>()[(int)QuantizeStep.DefaultActivations], Node("steps[].quantize.activations").GetProperty("default").GetString());
        Assert.AreEqual(CalibrationSpec.DefaultSamples, Node("steps[].quantize.calibration.samples").GetProperty("default").GetInt32());
        Assert.AreEqual(CalibrationSpec.DefaultPercentile, Node("steps[].quantize.calibration.percentile").GetProperty("default").GetDouble());
        Assert.AreEqual(ValidationSpec.DefaultLabelColumn, Node("validation.label").GetProperty("default").GetString());
        CollectionAssert.AreEqual(
            QuantizeStep.DefaultOpTypes.ToArray(),
            Node("steps[].quantize.ops").GetProperty("default").EnumerateArray().Select(op => op.GetString()).ToArray());
        CollectionAssert.AreEqual(
            PruneStep.DefaultOpTypes.ToArray(),
            Node("steps[].prune.ops").GetProperty("default").EnumerateArray().Select(op => op.GetString()).ToArray());
        Assert.AreEqual("layer", Node("steps[].prune.scope").GetProperty("default").GetString());
        Assert.AreEqual("l2", Node("steps[].prune_channels.importance").GetProperty("default").GetString());
        Assert.IsTrue(Node("steps[].prune_channels.reconstruct").GetProperty("default").GetBoolean());
        Assert.AreEqual(PruneChannelsStep.DefaultRidgeLambda, Node("steps[].prune_channels.ridge").GetProperty("default").GetDouble());
        Assert.AreEqual(CalibrationSpec.DefaultSamples, Node("steps[].prune_channels.calibration.samples").GetProperty("default").GetInt32());
    }

    private static string Describe(string path, IEnumerable<string> keys) =>
        $"'{path}': {string.Join(", ", keys.Order(StringComparer.Ordinal))}";

    /// <summary>Describes every object in the schema that has properties: its path and its keys.</summary>
    private static void CollectSections(JsonElement node, string path, List<string> sections)
    {
        if (node.TryGetProperty("properties", out var properties))
        {
            sections.Add(Describe(path, properties.EnumerateObject().Select(property => property.Name)));
            foreach (var property in properties.EnumerateObject())
            {
                CollectSections(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", sections);
            }
        }

        if (node.TryGetProperty("items", out var items))
        {
            CollectSections(items, $"{path}[]", sections);
        }

        // A mapping keyed by names the user chooses describes its values under additionalProperties.
        if (node.TryGetProperty("additionalProperties", out var values) && values.ValueKind == JsonValueKind.Object)
        {
            CollectSections(values, $"{path}.*", sections);
        }
    }

    /// <summary>The schema of the value at a section-style path such as <c>steps[].quantize.weights</c>; <c>*</c> is any key of a name map.</summary>
    private static JsonElement Node(string path)
    {
        var node = schema.RootElement;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.TrimEnd('[', ']');
            node = name == "*" ? node.GetProperty("additionalProperties") : node.GetProperty("properties").GetProperty(name);
            if (part.EndsWith("[]", StringComparison.Ordinal))
            {
                node = node.GetProperty("items");
            }
        }

        return node;
    }

    private static JsonElement StringAlternative(JsonElement node) =>
        node.GetProperty("anyOf").EnumerateArray().Single(alternative => alternative.GetProperty("type").GetString() == "string");

    private static void AssertEnum(IReadOnlyList<string> expected, JsonElement node) =>
        CollectionAssert.AreEquivalent(expected.ToArray(), node.GetProperty("enum").EnumerateArray().Select(value => value.GetString()).ToArray());
}
