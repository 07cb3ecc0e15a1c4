using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>Every kind of bad recipe is reported with its code, at the exact line and column to fix.</summary>
[TestClass]
public sealed class RecipeParserErrorTests : IDisposable
{
    private readonly RecipeFolder folder = new();

    public void Dispose() => folder.Dispose();

    // EDGEML1001: YAML syntax.
    [TestMethod]
    [DataRow("model: 'digits.onnx\n", 1, 8, DisplayName = "unterminated quote")]
    [DataRow("model: digits.onnx\nsteps:\n\t- quantize:\n", 3, 1, DisplayName = "tab indentation")]
    [DataRow("model: digits.onnx\n class: X\n", 2, 7, DisplayName = "bad indentation")]
    [DataRow("model: digits.onnx\nlabels: [a, b\nclass: X\n", 3, 1, DisplayName = "unclosed flow list")]
    [DataRow("model: digits.onnx\nlabels: [a, b\n", 3, 1, DisplayName = "unclosed flow list at the end")]
    [DataRow("model: *nowhere\n", 1, 8, DisplayName = "unknown alias")]
    [DataRow("model: digits.onnx\n---\nmodel: digits.onnx\n", 3, 1, DisplayName = "second document")]
    public void MalformedYamlIsASyntaxError(string yaml, int line, int column) =>
        AssertError(yaml, DiagnosticCodes.RecipeSyntax, line, column);

    // EDGEML1002: unknown keys, with the closest known one suggested.
    [TestMethod]
    [DataRow("modle: digits.onnx\n", 1, 1, "did you mean 'model'?", DisplayName = "root typo")]
    [DataRow("model: digits.onnx\nClass: X\n", 2, 1, "did you mean 'class'?", DisplayName = "wrong case")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\ngates:\n  accuracy: { min: 0.9, max_dorp: 0.01 }\n", 4, 25, "did you mean 'max_drop'?", DisplayName = "nested typo")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize:\n      per-channel: false\n", 4, 7, "did you mean 'per_channel'?", DisplayName = "dash for underscore")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantise:\n", 3, 5, "did you mean 'quantize'?", DisplayName = "unknown step")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize:\n    weights: int8\n", 5, 5, "in 'steps[0]' (known keys: prune, prune_channels, quantize)", DisplayName = "step body not indented")]
    [DataRow("model: digits.onnx\nmystery: 1\n", 2, 1, "known keys: version, model, model_version, class", DisplayName = "no close match")]
    [DataRow("base: &b {min: 0.9}\nmodel: digits.onnx\n", 1, 1, "(known keys:", DisplayName = "anchor holder")]
    [DataRow("model: digits.onnx\ngates:\n  size:\n    <<: {max: 1MB}\n", 4, 5, "merge keys are not supported", DisplayName = "merge key")]
    public void UnknownKeyIsReportedWithAHint(string yaml, int line, int column, string hint) =>
        Assert.Contains(hint, AssertError(yaml, DiagnosticCodes.RecipeUnknownKey, line, column).Message);

    // EDGEML1003: wrong types, out-of-range values, bad literals and enum values, empty lists.
    [TestMethod]
    [DataRow("- model: digits.onnx\n", 1, 1, "must be a mapping", DisplayName = "root is a list")]
    [DataRow("digits.onnx\n", 1, 1, "must be a mapping", DisplayName = "root is text")]
    [DataRow("model: [digits.onnx]\n", 1, 8, "must be text, not a list", DisplayName = "list for text")]
    [DataRow("model: ''\n", 1, 8, "must not be empty", DisplayName = "empty text")]
    [DataRow("version: 2\nmodel: digits.onnx\n", 1, 10, "version 2 is unknown", DisplayName = "future version")]
    [DataRow("version: one\nmodel: digits.onnx\n", 1, 10, "must be a whole number", DisplayName = "version not a number")]
    [DataRow("model: digits.onnx\nclass: 3Digits\n", 2, 8, "must be a C# class name", DisplayName = "class starts with digit")]
    [DataRow("model: digits.onnx\nclass: object\n", 2, 8, "must be a C# class name", DisplayName = "class is a keyword")]
    [DataRow("model: digits.onnx\nclass: \"Digits\\n\"\n", 2, 8, "must be a C# class name", DisplayName = "class with newline")]
    [DataRow("model: digits.onnx\nnamespace: MyApp..Models\n", 2, 12, "must be a C# namespace", DisplayName = "namespace empty segment")]
    [DataRow("model: digits.onnx\nnamespace: MyApp.class\n", 2, 12, "must be a C# namespace", DisplayName = "namespace keyword")]
    [DataRow("model: digits.onnx\nlabels: []\n", 2, 9, "at least one entry", DisplayName = "empty labels")]
    [DataRow("model: digits.onnx\nlabels: zero\n", 2, 9, "must be a list", DisplayName = "labels not a list")]
    [DataRow("model: digits.onnx\nsteps: quantize\n", 2, 8, "must be a list", DisplayName = "steps not a list")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize\n", 3, 5, "must be a mapping with the keys prune, prune_channels, quantize", DisplayName = "step without colon")]
    [DataRow("model: digits.onnx\nsteps:\n  - {}\n", 3, 5, "exactly one step", DisplayName = "step without name")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize: {activations: int4}\n", 4, 29, "must be one of: int8, uint8, not 'int4'", DisplayName = "bad enum")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize: {activations: UINT8}\n", 4, 29, "did you mean 'uint8'?", DisplayName = "enum case")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize: {ops: [MatMul, Relu]}\n", 4, 30, "must be one of: Conv, Gemm, MatMul, ConvTranspose, Add", DisplayName = "unsupported op")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize: {ops: []}\n", 4, 21, "at least one entry", DisplayName = "empty ops")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize: {per_channel: yes}\n", 4, 29, "must be true or false", DisplayName = "yaml 1.1 boolean")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize: {per_channel: \"true\"}\n", 4, 29, "remove the quotes", DisplayName = "quoted boolean")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize: {calibration: {data: calib.csv, samples: 0}}\n", 3, 56, "at least 1", DisplayName = "zero samples")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize: {calibration: {data: calib.csv, seed: 1.5}}\n", 3, 53, "whole number", DisplayName = "fractional seed")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize: {calibration: {data: calib.csv, method: percentile, percentile: 50}}\n", 3, 79, "greater than 50 and at most 100", DisplayName = "percentile of 50")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize: {calibration: {data: calib.csv, method: percentile, percentile: 100.5}}\n", 3, 79, "greater than 50 and at most 100", DisplayName = "percentile above 100")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize: {calibration: {data: calib.csv, percentile: 99.9}}\n", 3, 59, "applies only to 'method: percentile'; this calibration uses 'minmax'", DisplayName = "percentile without its method")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv, samples: -1}\n", 2, 46, "at least 1", DisplayName = "negative validation samples")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv, features: [a, label]}\n", 2, 47, "lists the label column 'label'", DisplayName = "label among features")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\ngates:\n  accuracy: {min: 95}\n", 4, 19, "between 0 and 1", DisplayName = "percent instead of fraction")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\ngates:\n  accuracy: {min: high}\n", 4, 19, "must be a fraction", DisplayName = "word instead of number")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\ngates:\n  accuracy: {max_drop: .nan}\n", 4, 24, "must be a fraction", DisplayName = "not a number")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\ngates:\n  agreement: {min: \"0.98\"}\n", 4, 20, "remove the quotes", DisplayName = "quoted number")]
    [DataRow("model: digits.onnx\ngates:\n  size: {max: 300XB}\n", 3, 15, "must be a size", DisplayName = "bad size unit")]
    [DataRow("model: digits.onnx\ngates:\n  size: {max: 0KB}\n", 3, 15, "at least 1 byte", DisplayName = "zero size")]
    [DataRow("model: digits.onnx\ngates:\n  size: {max: 1.5}\n", 3, 15, "must be a size", DisplayName = "fractional bytes")]
    [DataRow("model: digits.onnx\ngates:\n  size: {max_ratio: 0}\n", 3, 21, "greater than 0", DisplayName = "zero ratio")]
    [DataRow("model: digits.onnx\ngates:\n  latency: {p95_max: 5 minutes}\n", 3, 22, "must be a duration", DisplayName = "bad duration unit")]
    [DataRow("model: digits.onnx\ngates:\n  latency: {p95_max: 0ms}\n", 3, 22, "greater than 0", DisplayName = "zero duration")]
    [DataRow("model: digits.onnx\ngates:\n  latency: {max_ratio: -1}\n", 3, 24, "greater than 0", DisplayName = "negative ratio")]
    [DataRow("model: digits.onnx\ngates: [size]\n", 2, 8, "must be a mapping", DisplayName = "gates as a list")]
    [DataRow("model: digits.onnx\n[a]: 1\n", 2, 1, "must be names", DisplayName = "list as a key")]
    [DataRow("model: \"digits\\0.onnx\"\n", 1, 8, "not a valid path", DisplayName = "NUL in path")]
    public void BadValueIsAnInvalidValueError(string yaml, int line, int column, string explanation) =>
        Assert.Contains(explanation, AssertError(yaml, DiagnosticCodes.RecipeInvalidValue, line, column).Message);

    // EDGEML1004: missing keys, pointing at the mapping that lacks them.
    [TestMethod]
    [DataRow("# a comment first\nclass: Digits\n", 2, 1, "is missing the required key 'model'", DisplayName = "no model")]
    [DataRow("model:\n", 1, 7, "must be text, not an empty value", DisplayName = "model without value")]
    [DataRow("model: digits.onnx\nvalidation:\n  label: digit\n", 3, 3, "'validation' is missing the required key 'data'", DisplayName = "validation without data")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize:\n      calibration: {samples: 5}\n", 4, 20, "'steps[0].quantize.calibration' is missing the required key 'data'", DisplayName = "calibration without data")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize:\n      ops: [Conv]\n", 3, 5, "needs data to calibrate", DisplayName = "quantize without any data")]
    [DataRow("model: digits.onnx\ngates:\n  size: {max: 1MB}\n  accuracy: {min: 0.9}\n", 4, 3, "needs a 'validation' section", DisplayName = "accuracy gate without validation")]
    [DataRow("model: digits.onnx\ngates:\n  agreement: {min: 0.9}\n", 3, 3, "needs a 'validation' section", DisplayName = "agreement gate without validation")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\ngates:\n  accuracy: {}\n", 4, 13, "needs at least one of: min, max_drop", DisplayName = "empty accuracy gate")]
    [DataRow("model: digits.onnx\ngates:\n  size:\n", 3, 8, "needs at least one of: max, max_ratio", DisplayName = "size gate without value")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\ngates:\n  agreement: {}\n", 4, 14, "missing the required key 'min'", DisplayName = "agreement without min")]
    [DataRow("", 1, 1, "the recipe is empty", DisplayName = "empty file")]
    [DataRow("# nothing but a comment\n", 1, 1, "the recipe is empty", DisplayName = "comment-only file")]
    public void MissingKeyIsReportedAtTheMappingThatLacksIt(string yaml, int line, int column, string explanation)
    {
        // "model:" with no value is a present key with a bad value, not a missing one.
        var code = explanation.StartsWith("must be", StringComparison.Ordinal) ? DiagnosticCodes.RecipeInvalidValue : DiagnosticCodes.RecipeMissingKey;
        Assert.Contains(explanation, AssertError(yaml, code, line, column).Message);
    }

    // EDGEML1005: referenced files that do not exist, pointing at the value.
    [TestMethod]
    [DataRow("model: missing.onnx\n", 1, 8, DisplayName = "model")]
    [DataRow("model: digits.onnx\nvalidation:\n  data: missing.csv\n", 3, 9, DisplayName = "validation data")]
    [DataRow("model: digits.onnx\nsteps:\n  - quantize: {calibration: {data: missing.csv}}\n", 3, 36, DisplayName = "calibration data")]
    [DataRow("model: data\n", 1, 8, DisplayName = "a folder is not a file")]
    public void MissingFileIsReportedAtItsPath(string yaml, int line, int column) =>
        Assert.Contains("does not exist", AssertError(yaml, DiagnosticCodes.RecipeFileNotFound, line, column).Message);

    [TestMethod]
    public void MissingFileMessageShowsWhereItWasLookedFor()
    {
        var message = AssertError("model: models/missing.onnx", DiagnosticCodes.RecipeFileNotFound, 1, 8).Message;

        Assert.Contains(folder.PathOf("models/missing.onnx"), message);
    }

    [TestMethod]
    public void LoadingAMissingRecipeFileIsAFileError()
    {
        var error = Assert.ThrowsExactly<EdgeMLException>(() => RecipeParser.Load(folder.RecipePath)).Diagnostic;

        Assert.AreEqual(DiagnosticCodes.RecipeFileNotFound, error.Code);
        Assert.AreEqual(new SourceLocation(folder.RecipePath), error.Location);
    }

    // EDGEML1006: the same key, list entry or step twice.
    [TestMethod]
    [DataRow("model: digits.onnx\nclass: A\nmodel: digits.onnx\n", 3, 1, "the key 'model' appears twice", DisplayName = "root key")]
    [DataRow("model: digits.onnx\ngates:\n  size: {max: 1MB, max: 2MB}\n", 3, 20, "the key 'max' appears twice", DisplayName = "flow key")]
    [DataRow("model: digits.onnx\nlabels: [cat, dog, cat]\n", 2, 20, "lists 'cat' twice", DisplayName = "label")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize: {exclude: [fc1, fc1]}\n", 4, 31, "lists 'fc1' twice", DisplayName = "excluded node")]
    [DataRow("model: digits.onnx\nvalidation: {data: digits-test.csv}\nsteps:\n  - quantize:\n  - quantize:\n", 5, 5, "the step 'quantize' appears twice", DisplayName = "step")]
    public void RepeatedEntryIsADuplicateError(string yaml, int line, int column, string explanation) =>
        Assert.Contains(explanation, AssertError(yaml, DiagnosticCodes.RecipeDuplicate, line, column).Message);

    [TestMethod]
    public void DiagnosticRendersAsAnMSBuildError()
    {
        var error = folder.ParseError("modle: digits.onnx");

        Assert.StartsWith($"{folder.RecipePath}(1,1): error EDGEML1002: unknown key 'modle' in the recipe", error.ToString());
    }

    private Diagnostic AssertError(string yaml, string code, int line, int column)
    {
        var error = folder.ParseError(yaml);
        Assert.AreEqual(code, error.Code, error.ToString());
        Assert.AreEqual(Severity.Error, error.Severity);
        Assert.AreEqual(folder.At(line, column), error.Location, error.ToString());
        return error;
    }
}
