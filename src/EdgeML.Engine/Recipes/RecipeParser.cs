using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Recipes;

/// <summary>
/// Reads recipe files (format v1, see docs/recipe.md) into <see cref="Recipe"/> objects. Bad input of any kind
/// is reported as an <see cref="EdgeMLException"/> whose diagnostic points at the recipe's line and column.
/// </summary>
public static class RecipeParser
{
    public const int FormatVersion = 1;

    /// <summary>Reads and parses the recipe file at <paramref name="recipePath"/>.</summary>
    public static Recipe Load(string recipePath)
    {
        string text;
        try
        {
            text = File.ReadAllText(recipePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMLException(DiagnosticCodes.RecipeFileNotFound, $"cannot read the recipe '{recipePath}': {e.Message}", new SourceLocation(recipePath));
        }

        return Parse(text, recipePath);
    }

    /// <summary>
    /// Parses recipe text. <paramref name="recipePath"/> is where the text came from: errors name it, and the
    /// files the recipe references are resolved against its folder and must exist.
    /// </summary>
    public static Recipe Parse(string yamlText, string recipePath)
    {
        var file = Path.GetFullPath(recipePath);

        // A byte order mark left in by a caller that decoded the bytes itself would become part of the first key.
        var recipe = RecipeYaml.LoadRoot(yamlText.TrimStart('\uFEFF'), file).AsMapping(RecipeSection.Root);
        var folder = Path.GetDirectoryName(file)!;

        if (recipe.Optional("version") is { } version)
        {
            var number = version.AsInt();
            if (number != FormatVersion)
            {
                throw version.Invalid($"recipe format version {number} is unknown; this EdgeML.Build reads version {FormatVersion}");
            }
        }

        var validation = recipe.Optional("validation") is { } validationNode
            ? ReadValidation(validationNode.AsMapping(RecipeSection.Validation), folder)
            : null;
        var hasValidation = validation is not null;

        var parsed = new Recipe(
            file,
            ReadExistingFile(recipe.Required("model"), folder),
            recipe.OptionalLocated("class", ReadClassName),
            recipe.OptionalLocated("namespace", ReadNamespace),
            recipe.OptionalLocated("labels", labels => labels.AsStringList(allowEmpty: false)),
            recipe.Optional("steps") is { } steps ? ReadSteps(steps, folder, hasValidation) : [],
            validation,
            recipe.Optional("gates") is { } gates ? ReadGates(gates.AsMapping(RecipeSection.Gates), hasValidation) : GateSpec.None)
        {
            ModelVersion = recipe.OptionalLocated("model_version", node => (long)node.AsInt(minimum: 0)),
            Fallback = recipe.Optional("fallback")?.AsEnum<FallbackModel>() ?? FallbackModel.None,
        };

        // Unstructured pruning leaves the model's size as it is; only compressed storage turns its zeros into savings.
        return parsed with
        {
            Storage = recipe.Optional("storage")?.AsEnum<ModelStorage>() ?? (parsed.Steps.OfType<PruneStep>().Any() ? ModelStorage.Brotli : ModelStorage.Raw),
        };
    }

    private static string ReadClassName(RecipeNode node)
    {
        var name = node.AsString();
        return RecipeNameRules.IsIdentifier(name)
            ? name
            : throw node.Invalid($"{node.Display} must be a C# class name (ASCII letters, digits and '_', not starting with a digit, not a keyword), not '{name}'");
    }

    private static string ReadNamespace(RecipeNode node)
    {
        var name = node.AsString();
        return RecipeNameRules.IsNamespace(name)
            ? name
            : throw node.Invalid($"{node.Display} must be a C# namespace such as MyApp.Models (names of ASCII letters, digits and '_' joined by dots, no keywords), not '{name}'");
    }

    /// <summary>A path relative to the recipe's folder, resolved to an absolute path of an existing file.</summary>
    private static Located<string> ReadExistingFile(RecipeNode node, string folder) => ReadExistingPath(node, folder, folderAllowed: false);

    /// <summary>Validation or calibration data: an existing file, or a folder of images.</summary>
    private static Located<string> ReadDataPath(RecipeNode node, string folder) => ReadExistingPath(node, folder, folderAllowed: true);

    private static Located<string> ReadExistingPath(RecipeNode node, string folder, bool folderAllowed)
    {
        var text = node.AsString();
        string path;
        try
        {
            path = Path.GetFullPath(Path.Combine(folder, text));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw node.Invalid($"{node.Display} is not a valid path: {e.Message}");
        }

        return File.Exists(path) || (folderAllowed && Directory.Exists(path))
            ? new Located<string>(path, node.Location)
            : throw node.Error(DiagnosticCodes.RecipeFileNotFound, $"the {(folderAllowed ? "file or folder" : "file")} '{text}' named by {node.Display} does not exist (looked for '{path}')");
    }

    private static ValidationSpec ReadValidation(RecipeMapping validation, string folder)
    {
        var label = validation.OptionalLocated("label", node => node.AsString());
        var features = validation.OptionalLocated("features", node => node.AsStringList(allowEmpty: false));
        var data = ReadDataPath(validation.Required("data"), folder);
        var spec = new ValidationSpec(
            data,
            label,
            features,
            validation.OptionalLocated("samples", node => node.AsInt(minimum: 1)))
        {
            Preprocess = ReadPreprocess(validation, data),
        };
        if (features is { } columns && columns.Value.Contains(spec.LabelColumnName))
        {
            throw new EdgeMLException(DiagnosticCodes.RecipeInvalidValue, $"'validation.features' lists the label column '{spec.LabelColumnName}'; the label cannot also be a model input", columns.Location);
        }

        // An image's label is its class folder; there are no columns to name.
        if (spec.Preprocess is not null && (validation.Optional("label") ?? validation.Optional("features")) is { } column)
        {
            throw column.Invalid($"{column.Display} names CSV columns, but 'validation.data' is a folder of images, labeled by their class subfolders");
        }

        return spec;
    }

    /// <summary>
    /// The <c>preprocess</c> of a data section: for a folder of images, what the recipe declares (every key may be
    /// left to defaults taken from the model's input); beside a file, an error.
    /// </summary>
    private static ImagePreprocessing? ReadPreprocess(RecipeMapping section, Located<string> data)
    {
        var preprocess = section.OptionalMapping("preprocess");
        if (!Directory.Exists(data.Value))
        {
            return preprocess is null
                ? null
                : throw preprocess.Node.Invalid($"{preprocess.Node.Display} applies to a folder of images; '{Path.GetFileName(data.Value)}' is a file");
        }

        if (preprocess is null)
        {
            return new ImagePreprocessing(data.Location);
        }

        var resizeMode = preprocess.Optional("resize_mode");
        var resize = preprocess.OptionalLocated("resize", ReadImageSize);
        if (resizeMode is not null && resize is null)
        {
            throw resizeMode.Invalid($"{resizeMode.Display} applies only together with 'resize: [height, width]'");
        }

        var normalize = preprocess.OptionalMapping("normalize");
        return new ImagePreprocessing(preprocess.Node.Location)
        {
            Resize = resize,
            ResizeMode = resizeMode?.AsEnum<ResizeMode>() ?? ResizeMode.Stretch,
            Channels = preprocess.OptionalLocated("channels", node => node.AsEnum<ImageChannels>()),
            Layout = preprocess.OptionalLocated("layout", node => node.AsEnum<ImageLayout>()),
            Scale = preprocess.Optional("scale") is { } scale ? (float)scale.AsPositiveNumber() : ImagePreprocessing.DefaultScale,
            Mean = normalize?.Required("mean") is { } mean ? ReadChannelValues(mean, node => node.AsNumber()) : null,
            Std = normalize?.Required("std") is { } std ? ReadChannelValues(std, node => node.AsPositiveNumber()) : null,
        };
    }

    private static ImageSize ReadImageSize(RecipeNode node) => node.AsList() is [var height, var width]
        ? new ImageSize(height.AsInt(minimum: 1), width.AsInt(minimum: 1))
        : throw node.Invalid($"{node.Display} must be [height, width] in pixels, such as [224, 224]");

    /// <summary>One value for every channel, or one per channel (1 or 3).</summary>
    private static Located<IReadOnlyList<float>> ReadChannelValues(RecipeNode node, Func<RecipeNode, double> read) => node.AsList() is { Count: 1 or 3 } items
        ? new Located<IReadOnlyList<float>>(items.Select(item => (float)read(item)).ToArray(), node.Location)
        : throw node.Invalid($"{node.Display} must list one value for all channels or three, one per channel, such as [0.485, 0.456, 0.406]");

    private static IReadOnlyList<CompressionStep> ReadSteps(RecipeNode steps, string folder, bool hasValidation)
    {
        var result = new List<CompressionStep>();
        var seen = new HashSet<string>();
        foreach (var item in steps.AsList())
        {
            var step = item.AsMapping(RecipeSection.Step).Entries switch
            {
                [var single] => single,
                var entries => throw item.Invalid($"{item.Display} must name exactly one step, as in '- quantize: {{...}}', but has {entries.Count} keys"),
            };
            if (!seen.Add(step.Name))
            {
                throw new EdgeMLException(DiagnosticCodes.RecipeDuplicate, $"the step '{step.Name}' appears twice in 'steps'; a model can go through it only once", step.KeyLocation);
            }

            // Pruning reads float weights; after quantize they are int8 behind DequantizeLinear nodes.
            if (step.Name is "prune" or "prune_channels" && seen.Contains("quantize"))
            {
                throw new EdgeMLException(DiagnosticCodes.RecipeInvalidValue, $"'{step.Name}' must come before 'quantize' in 'steps': pruning a quantized model is not supported", step.KeyLocation);
            }

            // RecipeSection.Step lists exactly these names, so any other was already rejected as unknown.
            result.Add(step.Name switch
            {
                "prune" => ReadPrune(step.Value.AsMapping(RecipeSection.Prune), step.KeyLocation),
                "prune_channels" => ReadPruneChannels(step.Value.AsMapping(RecipeSection.PruneChannels), step.KeyLocation, folder, hasValidation),
                _ => ReadQuantize(step.Value.AsMapping(RecipeSection.Quantize), step.KeyLocation, folder, hasValidation),
            });
        }

        return result;
    }

    private static PruneStep ReadPrune(RecipeMapping prune, SourceLocation location)
    {
        var sparsity = prune.Required("sparsity");
        return new PruneStep(
            location,
            new Located<double>(sparsity.AsFractionBelowOne(), sparsity.Location),
            prune.Optional("scope")?.AsEnum<PruningScope>() ?? PruningScope.Layer,
            prune.Optional("layers")?.AsNameMap(node => node.AsFractionBelowOne()) ?? new Dictionary<string, Located<double>>(),
            prune.Optional("ops")?.AsStringList(allowEmpty: false, allowed: PruneStep.DefaultOpTypes) ?? PruneStep.DefaultOpTypes,
            prune.Optional("skip")?.AsStringList(allowEmpty: true) ?? [])
        {
            Backoff = prune.Optional("backoff")?.AsBool() ?? false,
        };
    }

    private static PruneChannelsStep ReadPruneChannels(RecipeMapping pruneChannels, SourceLocation location, string folder, bool hasValidation)
    {
        var ratio = pruneChannels.Required("ratio");
        var importance = pruneChannels.Optional("importance")?.AsEnum<ChannelImportance>() ?? ChannelImportance.L2;
        var reconstruct = pruneChannels.Optional("reconstruct")?.AsBool() ?? true;
        var calibration = pruneChannels.Optional("calibration") is { } calibrationNode
            ? ReadCalibration(calibrationNode.AsMapping(RecipeSection.PruneChannelsCalibration), folder)
            : null;
        if (calibration is null && !hasValidation && (reconstruct || importance == ChannelImportance.Activation))
        {
            throw new EdgeMLException(
                DiagnosticCodes.RecipeMissingKey,
                $"'prune_channels' needs data to {(reconstruct ? "reconstruct the pruned layers" : "measure activations")}: add 'calibration: {{ data: <file>.csv }}' to the step, or a 'validation' section to the recipe",
                location);
        }

        return new PruneChannelsStep(
            location,
            new Located<double>(ratio.AsFractionBelowOne(), ratio.Location),
            importance,
            pruneChannels.Optional("layers")?.AsNameMap(node => node.AsFractionBelowOne()) ?? new Dictionary<string, Located<double>>(),
            pruneChannels.Optional("skip")?.AsStringList(allowEmpty: true) ?? [],
            reconstruct,
            pruneChannels.Optional("ridge")?.AsPositiveNumber() ?? PruneChannelsStep.DefaultRidgeLambda,
            calibration)
        {
            Backoff = pruneChannels.Optional("backoff")?.AsBool() ?? false,
        };
    }

    private static QuantizeStep ReadQuantize(RecipeMapping quantize, SourceLocation location, string folder, bool hasValidation)
    {
        var mode = ReadMode(quantize.Optional("mode"));
        var calibration = quantize.Optional("calibration") is { } calibrationNode
            ? ReadCalibration(calibrationNode.AsMapping(RecipeSection.Calibration), folder)
            : null;

        // Only static quantization needs activation ranges; the other modes rewrite weights alone.
        if (mode == QuantizationMode.Static && calibration is null && !hasValidation)
        {
            throw new EdgeMLException(
                DiagnosticCodes.RecipeMissingKey,
                "'quantize' needs data to calibrate activation ranges: add 'calibration: { data: <file>.csv }' to the step, or a 'validation' section to the recipe",
                location);
        }

        return new QuantizeStep(
            location,
            ReadWeightType(quantize.Optional("weights"), mode),
            quantize.Optional("activations")?.AsEnum<ActivationType>() ?? QuantizeStep.DefaultActivations,
            quantize.Optional("per_channel")?.AsBool() ?? true,
            quantize.Optional("ops")?.AsStringList(allowEmpty: false, allowed: QuantizeStep.AllowedOpTypes(mode)) ?? QuantizeStep.DefaultOpTypesFor(mode),
            quantize.Optional("exclude")?.AsStringList(allowEmpty: true) ?? [],
            calibration)
        {
            Mode = mode,
            BlockSize = ModeOption(quantize.Optional("block_size"), mode, QuantizationMode.WeightOnly, ReadBlockSize) ?? QuantizeStep.DefaultBlockSize,
            Symmetric = ModeOption(quantize.Optional("symmetric"), mode, QuantizationMode.WeightOnly, node => node.AsBool()) ?? false,
            Rounding = ReadRounding(quantize.Optional("algorithm"), mode, hasData: calibration is not null || hasValidation),
            AccuracyAware = ModeOption(quantize.Optional("accuracy_aware"), mode, QuantizationMode.Static, node => node.AsBool()) ?? false,
            BiasCorrection = ModeOption(quantize.Optional("bias_correction"), mode, QuantizationMode.Static, node => node.AsBool()) ?? false,
            Smoothing = ReadSmoothing(quantize.Optional("smoothing"), mode, hasData: calibration is not null || hasValidation),
            Overrides = ForMode(quantize.Optional("overrides"), mode, QuantizationMode.Static)?.AsNameMap(node => ReadOverride(node.AsMapping(RecipeSection.QuantizeOverride)))
                ?? new Dictionary<string, Located<TensorOverride>>(),
        };
    }

    private static WeightRounding ReadRounding(RecipeNode? node, QuantizationMode mode, bool hasData)
    {
        var rounding = ModeOption(node, mode, QuantizationMode.WeightOnly, n => n.AsEnum<WeightRounding>()) ?? WeightRounding.Rtn;
        return rounding == WeightRounding.Gptq && !hasData
            ? throw node!.Error(DiagnosticCodes.RecipeMissingKey, $"{node.Display} is gptq, which measures each layer's inputs: add 'calibration: {{ data: <file> }}' to the step, or a 'validation' section to the recipe")
            : rounding;
    }

    private static SmoothingSpec? ReadSmoothing(RecipeNode? node, QuantizationMode mode, bool hasData)
    {
        if (node is null)
        {
            return null;
        }

        if (mode is not (QuantizationMode.Static or QuantizationMode.Dynamic))
        {
            throw node.Invalid($"{node.Display} applies only to 'mode: static' and 'mode: dynamic', whose activations are quantized");
        }

        if (!hasData)
        {
            throw node.Error(DiagnosticCodes.RecipeMissingKey, $"{node.Display} measures activations: add 'calibration: {{ data: <file> }}' to the step, or a 'validation' section to the recipe");
        }

        const string Expected = "'auto' or a migration strength α greater than 0 and less than 1, such as 0.8";
        return node.AsString() == "auto"
            ? new SmoothingSpec(node.Location, null)
            : new SmoothingSpec(node.Location, node.AsNumber(alpha => alpha is > 0 and < 1, Expected));
    }

    private static readonly IReadOnlyList<string> OverrideTypes = [.. RecipeNode.EnumNames<ActivationType>(), "float"];

    // Whether a tensor is an activation or a weight is known only with the model; the quantizer checks that.
    private static TensorOverride ReadOverride(RecipeMapping entry)
    {
        entry.RequireAny();
        var type = entry.Optional("type");
        var range = entry.Optional("range");
        var keepFloat = type?.AsOneOf(OverrideTypes) == "float";
        if (keepFloat && range is not null)
        {
            throw range.Invalid($"{range.Display} fixes the range of a tensor whose type is float; a float tensor has no range to fix");
        }

        var perChannel = entry.Optional("per_channel");
        if (perChannel is not null && (type ?? range) is { } activationKey)
        {
            throw perChannel.Invalid($"{perChannel.Display} applies to weights, {activationKey.Display} to activations: one tensor is never both");
        }

        return new TensorOverride
        {
            Range = range is null ? null : ReadRange(range),
            Type = type is null || keepFloat ? null : type.AsEnum<ActivationType>(),
            KeepFloat = keepFloat,
            PerChannel = perChannel?.AsBool(),
        };
    }

    private static TensorRange ReadRange(RecipeNode node)
    {
        if (node.AsList() is not [var minNode, var maxNode])
        {
            throw node.Invalid($"{node.Display} must be a list of two numbers, [min, max]");
        }

        var (min, max) = (minNode.AsNumber(), maxNode.AsNumber());
        return min < max ? new TensorRange((float)min, (float)max) : throw node.Invalid($"{node.Display} must have min < max, not [{min}, {max}]");
    }

    private static QuantizationMode ReadMode(RecipeNode? node) => node?.AsEnum<QuantizationMode>() ?? QuantizationMode.Static;

    private static WeightType ReadWeightType(RecipeNode? node, QuantizationMode mode)
    {
        var weights = node?.AsEnum<WeightType>() ?? (mode == QuantizationMode.WeightOnly ? WeightType.Int4 : WeightType.Int8);
        return weights == WeightType.Int4 && mode != QuantizationMode.WeightOnly
            ? throw node!.Invalid($"{node.Display} is int4, which needs 'mode: weight_only': only MatMulNBits packs 4-bit weights")
            : weights;
    }

    private static int ReadBlockSize(RecipeNode node)
    {
        var size = node.AsInt();
        return QuantizeStep.BlockSizes.Contains(size)
            ? size
            : throw node.Invalid($"{node.Display} must be one of: {string.Join(", ", QuantizeStep.BlockSizes)}, not {size}");
    }

    private static T? ModeOption<T>(RecipeNode? node, QuantizationMode mode, QuantizationMode required, Func<RecipeNode, T> read)
        where T : struct =>
        ForMode(node, mode, required) is { } value ? read(value) : null;

    // A key that shapes one mode (weight-only blocks, static calibration-based options) would silently mean nothing in another.
    private static RecipeNode? ForMode(RecipeNode? node, QuantizationMode mode, QuantizationMode required) =>
        node is null || mode == required ? node
        : throw node.Invalid($"{node.Display} applies only to 'mode: {RecipeNode.EnumNames<QuantizationMode>()[(int)required]}'");

    private static CalibrationSpec ReadCalibration(RecipeMapping calibration, string folder)
    {
        var method = calibration.Optional("method")?.AsEnum<CalibrationMethod>() ?? CalibrationMethod.MinMax;
        var percentile = calibration.Optional("percentile");
        if (percentile is not null && method != CalibrationMethod.Percentile)
        {
            throw percentile.Invalid($"{percentile.Display} applies only to 'method: percentile'; this calibration uses '{method.ToString().ToLowerInvariant()}'");
        }

        var data = ReadDataPath(calibration.Required("data"), folder);
        return new CalibrationSpec(
            data,
            calibration.Optional("samples")?.AsInt(minimum: 1) ?? CalibrationSpec.DefaultSamples,
            method,
            calibration.Optional("seed")?.AsInt() ?? 0)
        {
            Percentile = percentile?.AsPercentile() ?? CalibrationSpec.DefaultPercentile,
            Preprocess = ReadPreprocess(calibration, data),
        };
    }

    private static GateSpec ReadGates(RecipeMapping gates, bool hasValidation)
    {
        // Accuracy and agreement are measured on labeled data; without it they could never be checked.
        var needLabels = gates.Entries.Where(entry => entry.Name is "accuracy" or "agreement").ToArray();
        if (!hasValidation && needLabels is [var gate, ..])
        {
            throw new EdgeMLException(DiagnosticCodes.RecipeMissingKey, $"the {gate.Name} gate needs a 'validation' section with labeled data to measure it on", gate.KeyLocation);
        }

        return new GateSpec(
            gates.Optional("accuracy") is { } accuracy ? ReadAccuracy(accuracy.AsMapping(RecipeSection.Accuracy)) : null,
            gates.Optional("agreement") is { } agreement ? ReadAgreement(agreement.AsMapping(RecipeSection.Agreement)) : null,
            gates.Optional("size") is { } size ? ReadSize(size.AsMapping(RecipeSection.Size)) : null,
            gates.Optional("latency") is { } latency ? ReadLatency(latency.AsMapping(RecipeSection.Latency)) : null);
    }

    private static AccuracyGate ReadAccuracy(RecipeMapping accuracy)
    {
        accuracy.RequireAny();
        return new AccuracyGate(
            accuracy.OptionalLocated("min", node => node.AsFraction()),
            accuracy.OptionalLocated("max_drop", node => node.AsFraction()));
    }

    private static AgreementGate ReadAgreement(RecipeMapping agreement)
    {
        var min = agreement.Required("min");
        return new AgreementGate(new Located<double>(min.AsFraction(), min.Location));
    }

    private static SizeGate ReadSize(RecipeMapping size)
    {
        size.RequireAny();
        return new SizeGate(
            size.OptionalLocated("max", ReadByteCount),
            size.OptionalLocated("max_ratio", node => node.AsPositiveNumber()));
    }

    private static LatencyGate ReadLatency(RecipeMapping latency)
    {
        latency.RequireAny();
        return new LatencyGate(
            latency.OptionalLocated("p95_max", ReadMilliseconds),
            latency.OptionalLocated("max_ratio", node => node.AsPositiveNumber()));
    }

    private static long ReadByteCount(RecipeNode node)
    {
        var text = node.AsString();
        return SizeLiteral.TryParse(text, out var bytes) && bytes > 0
            ? bytes
            : throw node.Invalid($"{node.Display} must be a size of at least 1 byte: a byte count (307200) or a number with a unit B, KB, MB, GB, KiB, MiB or GiB (300KB, 1.5MB), not '{text}'");
    }

    private static double ReadMilliseconds(RecipeNode node)
    {
        var text = node.AsString();
        return DurationLiteral.TryParseMilliseconds(text, out var milliseconds) && milliseconds > 0
            ? milliseconds
            : throw node.Invalid($"{node.Display} must be a duration greater than 0: milliseconds (5) or a number with a unit us, ms or s (250us, 5ms, 1.5s), not '{text}'");
    }
}
