using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Quantization;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>The <c>quantize</c> step's per-tensor <c>overrides</c>.</summary>
[TestClass]
public sealed class RecipeParserOverridesTests : IDisposable
{
    private const string Header = "model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n";

    private readonly RecipeFolder folder = new();

    public void Dispose() => folder.Dispose();

    [TestMethod]
    public void OverridesAreReadPerTensorAndLocatedAtTheirNames()
    {
        var recipe = folder.Parse(Header + """
              - quantize:
                  overrides:
                    stem_output: { range: [-1.5, 6] }
                    logits: { type: float }
                    hidden: { type: int8 }
                    fc1.weight: { per_channel: false }
            """);

        var overrides = ((QuantizeStep)recipe.Steps.Single()).Overrides;
        Assert.AreEqual(new TensorRange(-1.5f, 6f), overrides["stem_output"].Value.Range);
        Assert.AreEqual(folder.At(6, 9), overrides["stem_output"].Location);
        Assert.IsTrue(overrides["logits"].Value.KeepFloat);
        Assert.IsNull(overrides["logits"].Value.Type);
        Assert.AreEqual(ActivationType.Int8, overrides["hidden"].Value.Type);
        Assert.IsFalse(overrides["fc1.weight"].Value.PerChannel!.Value);
        Assert.IsFalse(overrides["fc1.weight"].Value.IsForActivation);
    }

    [TestMethod]
    [DataRow("  - quantize: {overrides: {t: {range: [1]}}}\n", 4, 39, "two numbers", DisplayName = "range of one number")]
    [DataRow("  - quantize: {overrides: {t: {range: [2, 1]}}}\n", 4, 39, "min < max", DisplayName = "range upside down")]
    [DataRow("  - quantize: {overrides: {t: {range: [0, big]}}}\n", 4, 43, "must be a number", DisplayName = "range not numeric")]
    [DataRow("  - quantize: {overrides: {t: {type: float, range: [0, 1]}}}\n", 4, 52, "float", DisplayName = "range of a float tensor")]
    [DataRow("  - quantize: {overrides: {t: {type: int4}}}\n", 4, 38, "must be one of: int8, uint8, float", DisplayName = "unknown type")]
    [DataRow("  - quantize: {overrides: {t: {type: int8, per_channel: true}}}\n", 4, 57, "applies to weights", DisplayName = "weight and activation settings")]
    [DataRow("  - quantize: {mode: dynamic, overrides: {t: {type: int8}}}\n", 4, 42, "applies only to 'mode: static'", DisplayName = "overrides in dynamic mode")]
    public void InvalidOverridesAreInvalidValuesAtTheValue(string step, int line, int column, string explanation)
    {
        var error = folder.ParseError(Header + step);

        Assert.AreEqual(DiagnosticCodes.RecipeInvalidValue, error.Code, error.ToString());
        Assert.AreEqual(folder.At(line, column), error.Location, error.ToString());
        Assert.Contains(explanation, error.Message);
    }

    [TestMethod]
    public void AnUnknownOverrideKeyIsAnUnknownKeyWithASuggestion()
    {
        var error = folder.ParseError(Header + "  - quantize: {overrides: {t: {perchannel: true}}}\n");

        Assert.AreEqual(DiagnosticCodes.RecipeUnknownKey, error.Code, error.ToString());
        Assert.Contains("did you mean 'per_channel'?", error.Message);
    }

    [TestMethod]
    public void AnEmptyOverrideIsAMissingKey()
    {
        var error = folder.ParseError(Header + "  - quantize: {overrides: {t: {}}}\n");

        Assert.AreEqual(DiagnosticCodes.RecipeMissingKey, error.Code, error.ToString());
        Assert.Contains("range, type, per_channel", error.Message);
    }
}
