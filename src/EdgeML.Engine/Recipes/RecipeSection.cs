namespace EdgeML.Engine.Recipes;

/// <summary>
/// A mapping of the recipe format and the keys it accepts. <see cref="Path"/> names the section the way the
/// schema nests it (<c>steps[].quantize</c>). The parser rejects any other key, and a test keeps
/// schema/edgeml-recipe.schema.json listing exactly these sections and keys.
/// </summary>
internal sealed record RecipeSection(string Path, IReadOnlyList<string> Keys)
{
    public static readonly RecipeSection Root = new("", ["version", "model", "model_version", "class", "namespace", "labels", "fallback", "storage", "steps", "validation", "gates"]);

    /// <summary>One item of <c>steps</c>: a one-key mapping whose key names the step.</summary>
    public static readonly RecipeSection Step = new("steps[]", ["prune", "prune_channels", "quantize"]);

    public static readonly RecipeSection Quantize = new("steps[].quantize", ["mode", "weights", "block_size", "symmetric", "algorithm", "activations", "per_channel", "ops", "exclude", "accuracy_aware", "bias_correction", "smoothing", "overrides", "calibration"]);

    /// <summary>The value of one entry of <c>overrides</c>, keyed by a tensor name the user chooses (<c>*</c> in the schema path).</summary>
    public static readonly RecipeSection QuantizeOverride = new("steps[].quantize.overrides.*", ["range", "type", "per_channel"]);
    public static readonly RecipeSection Calibration = new("steps[].quantize.calibration", ["data", "samples", "method", "percentile", "seed", "preprocess"]);
    public static readonly RecipeSection Prune = new("steps[].prune", ["sparsity", "scope", "layers", "ops", "skip", "backoff"]);
    public static readonly RecipeSection PruneChannels = new("steps[].prune_channels", ["ratio", "importance", "layers", "skip", "reconstruct", "ridge", "backoff", "calibration"]);

    /// <summary>The same keys as quantize's calibration, at another place in the schema.</summary>
    public static readonly RecipeSection PruneChannelsCalibration = new("steps[].prune_channels.calibration", Calibration.Keys);
    public static readonly RecipeSection Validation = new("validation", ["data", "label", "features", "samples", "preprocess"]);

    /// <summary>How a folder of images becomes model inputs: the same keys under every data section.</summary>
    public static readonly RecipeSection CalibrationPreprocess = Preprocess(Calibration);
    public static readonly RecipeSection CalibrationNormalize = Normalize(CalibrationPreprocess);
    public static readonly RecipeSection PruneChannelsCalibrationPreprocess = Preprocess(PruneChannelsCalibration);
    public static readonly RecipeSection PruneChannelsCalibrationNormalize = Normalize(PruneChannelsCalibrationPreprocess);
    public static readonly RecipeSection ValidationPreprocess = Preprocess(Validation);
    public static readonly RecipeSection ValidationNormalize = Normalize(ValidationPreprocess);
    public static readonly RecipeSection Gates = new("gates", ["accuracy", "agreement", "size", "latency"]);
    public static readonly RecipeSection Accuracy = new("gates.accuracy", ["min", "max_drop"]);
    public static readonly RecipeSection Agreement = new("gates.agreement", ["min"]);
    public static readonly RecipeSection Size = new("gates.size", ["max", "max_ratio"]);
    public static readonly RecipeSection Latency = new("gates.latency", ["p95_max", "max_ratio"]);

    public static readonly IReadOnlyList<RecipeSection> All =
        [Root, Step, Quantize, QuantizeOverride, Calibration, Prune, PruneChannels, PruneChannelsCalibration, Validation, Gates, Accuracy, Agreement, Size, Latency,
         CalibrationPreprocess, CalibrationNormalize, PruneChannelsCalibrationPreprocess, PruneChannelsCalibrationNormalize, ValidationPreprocess, ValidationNormalize];

    /// <summary>The section of the mapping under <paramref name="key"/> in this one.</summary>
    public RecipeSection Child(string key) => All.Single(section => section.Path == $"{Path}.{key}");

    private static RecipeSection Preprocess(RecipeSection data) =>
        new($"{data.Path}.preprocess", ["resize", "resize_mode", "channels", "layout", "scale", "normalize"]);

    private static RecipeSection Normalize(RecipeSection preprocess) => new($"{preprocess.Path}.normalize", ["mean", "std"]);
}
