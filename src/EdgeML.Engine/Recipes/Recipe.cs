using System.Runtime.Serialization;
using EdgeML.Engine.Data.Images;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Recipes;

/// <summary>
/// A parsed, validated recipe (format v1). Paths are absolute, resolved against the recipe's folder.
/// Every value keeps its location so later stages (gates, quantizer) can point errors at the recipe line.
/// </summary>
public sealed record Recipe(
    string FilePath,
    Located<string> Model,
    Located<string>? ClassName,
    Located<string>? Namespace,
    Located<IReadOnlyList<string>>? Labels,
    IReadOnlyList<CompressionStep> Steps,
    ValidationSpec? Validation,
    GateSpec Gates)
{
    /// <summary>
    /// The recipe's identity inside a project: its file name without <c>.edgeml.yaml</c>
    /// (<c>models/digits.edgeml.yaml</c> gives <c>digits</c>).
    /// </summary>
    public string Id => RecipeNaming.IdFromPath(FilePath);

    /// <summary>
    /// The model's version (<c>model_version</c>): recorded in the embedded manifest, reported in telemetry, and
    /// the version a signed update package carries (updates must raise it).
    /// </summary>
    public Located<long>? ModelVersion { get; init; }

    /// <summary>What generated classes fall back to when the compressed model fails (<c>fallback</c>).</summary>
    public FallbackModel Fallback { get; init; } = FallbackModel.None;

    /// <summary>How the compressed model is embedded (<c>storage</c>); the parser defaults it to Brotli when the recipe prunes.</summary>
    public ModelStorage Storage { get; init; } = ModelStorage.Raw;

    /// <summary>Every file the recipe's outcome depends on, besides the recipe itself; a folder of images counts as its image files.</summary>
    public IEnumerable<string> InputFiles =>
        DataPaths.SelectMany(path => Directory.Exists(path) ? ImageFolder.Scan(path).Files : [path]).Prepend(Model.Value);

    /// <summary>The folders of images among the data, whose new files change the outcome too.</summary>
    public IEnumerable<string> InputFolders => DataPaths.Where(Directory.Exists);

    private IEnumerable<string> DataPaths
    {
        get
        {
            if (Validation is not null)
            {
                yield return Validation.Data.Value;
            }

            foreach (var step in Steps)
            {
                var calibration = step switch
                {
                    QuantizeStep quantize => quantize.Calibration,
                    PruneChannelsStep pruneChannels => pruneChannels.Calibration,
                    _ => null,
                };
                if (calibration is not null)
                {
                    yield return calibration.Data.Value;
                }
            }
        }
    }
}

/// <summary>The model embedded beside the compressed one, for generated classes to fall back to.</summary>
public enum FallbackModel
{
    /// <summary>No fallback model: a failing compressed model throws (or uses the caller's fallback delegate).</summary>
    None,

    /// <summary>The original float model is embedded too and used when the compressed one fails to load or run.</summary>
    Float,
}

/// <summary>One entry of the recipe's ordered <c>steps</c> list.</summary>
public abstract record CompressionStep(SourceLocation Location);

/// <summary>How unstructured pruning chooses which weights to zero.</summary>
public enum PruningScope
{
    /// <summary>Each layer loses the same share of its weights.</summary>
    Layer,

    /// <summary>One magnitude threshold over all layers: layers with many small weights lose more.</summary>
    Global,
}

/// <summary>How structured pruning ranks output channels.</summary>
public enum ChannelImportance
{
    /// <summary>The L2 norm of each channel's weights.</summary>
    L2,

    /// <summary>The L1 norm of each channel's weights.</summary>
    L1,

    /// <summary>The mean absolute activation of each channel on calibration data.</summary>
    Activation,
}

/// <summary>
/// <c>- prune: {...}</c>: unstructured magnitude pruning. The smallest weights of MatMul/Gemm/Conv layers are set
/// to zero until each layer (or the model, with <see cref="PruningScope.Global"/>) reaches <see cref="Sparsity"/>;
/// <see cref="LayerSparsity"/> overrides it per node (each located at its node name), and <see cref="SkipNodes"/>
/// stay whole. The zeros pay off through the compressed storage of the embedded model.
/// </summary>
public sealed record PruneStep(
    SourceLocation Location,
    Located<double> Sparsity,
    PruningScope Scope,
    IReadOnlyDictionary<string, Located<double>> LayerSparsity,
    IReadOnlyList<string> OpTypes,
    IReadOnlyList<string> SkipNodes) : CompressionStep(Location)
{
    /// <summary>Operator types pruned when the recipe lists none: the weighted operators quantization knows.</summary>
    public static IReadOnlyList<string> DefaultOpTypes => QuantizeStep.WeightedOpTypes;

    /// <summary>Whether a build whose gates fail retries with less sparsity (<c>backoff: true</c>).</summary>
    public bool Backoff { get; init; }

    /// <summary>This step with its sparsity, and every per-node override, scaled by <paramref name="factor"/>.</summary>
    public PruneStep Scaled(double factor) => this with
    {
        Sparsity = Sparsity with { Value = Sparsity.Value * factor },
        LayerSparsity = ScaleOverrides(LayerSparsity, factor),
    };

    internal static IReadOnlyDictionary<string, Located<double>> ScaleOverrides(IReadOnlyDictionary<string, Located<double>> overrides, double factor) =>
        overrides.ToDictionary(layer => layer.Key, layer => layer.Value with { Value = layer.Value.Value * factor }, StringComparer.Ordinal);
}

/// <summary>
/// <c>- prune_channels: {...}</c>: structured pruning. Removes <see cref="Ratio"/> of the output channels of
/// Conv/ConvTranspose and of the neurons of Gemm/MatMul layers (per-node overrides in <see cref="LayerRatio"/>),
/// rewriting every tensor that depends on them, so the model really gets smaller and faster. With
/// <see cref="Reconstruct"/>, the layers reading pruned tensors are refitted to the original model's outputs on
/// <see cref="Calibration"/> data (least squares), which wins back accuracy without labels or training.
/// </summary>
public sealed record PruneChannelsStep(
    SourceLocation Location,
    Located<double> Ratio,
    ChannelImportance Importance,
    IReadOnlyDictionary<string, Located<double>> LayerRatio,
    IReadOnlyList<string> SkipNodes,
    bool Reconstruct,
    double RidgeLambda,
    CalibrationSpec? Calibration) : CompressionStep(Location)
{
    /// <summary>Ridge regularization of the reconstruction's least squares, relative to the mean activation energy.</summary>
    public const double DefaultRidgeLambda = 1e-3;

    /// <summary>Whether a build whose gates fail retries with a smaller ratio (<c>backoff: true</c>).</summary>
    public bool Backoff { get; init; }

    /// <summary>This step with its ratio, and every per-node override, scaled by <paramref name="factor"/>.</summary>
    public PruneChannelsStep Scaled(double factor) => this with
    {
        Ratio = Ratio with { Value = Ratio.Value * factor },
        LayerRatio = PruneStep.ScaleOverrides(LayerRatio, factor),
    };
}

/// <summary>How the embedded model is stored in the assembly.</summary>
public enum ModelStorage
{
    /// <summary>The ONNX file as it is.</summary>
    Raw,

    /// <summary>Brotli-compressed and expanded at load: pays off for pruned (sparse) models.</summary>
    Brotli,
}

/// <summary>Element types a quantized weight can take.</summary>
public enum WeightType
{
    Int8,

    /// <summary>4-bit weights; only weight-only quantization packs them.</summary>
    Int4,
}

/// <summary>How weight-only quantization picks each weight's code (<c>algorithm</c>).</summary>
public enum WeightRounding
{
    /// <summary>Round to nearest: each weight on its own, no data needed.</summary>
    Rtn,

    /// <summary>GPTQ: minimise each layer's output error on calibration data, compensating rounding across inputs.</summary>
    Gptq,
}

/// <summary>What <c>quantize</c> does to the model (<c>mode</c>).</summary>
public enum QuantizationMode
{
    /// <summary>Static int8 in QDQ form: weights and calibrated activations.</summary>
    Static,

    /// <summary>Block-wise int4/int8 weights in ONNX Runtime's MatMulNBits; activations stay float.</summary>
    [EnumMember(Value = "weight_only")]
    WeightOnly,

    /// <summary>Int8 weights; activations quantized at run time (ONNX Runtime's DynamicQuantizeMatMul), so no calibration.</summary>
    Dynamic,

    /// <summary>Float16 weights behind Casts; computation, inputs and outputs stay float.</summary>
    Fp16,
}

/// <summary>Element types a quantized activation can take.</summary>
public enum ActivationType
{
    Int8,
    UInt8,
}

/// <summary>How activation ranges are estimated from calibration data.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum.</summary>
    MinMax,

    /// <summary>The (100 − p)th to pth percentile of the values (<see cref="CalibrationSpec.Percentile"/>).</summary>
    Percentile,

    /// <summary>The symmetric threshold that minimizes the KL divergence between the values and their quantized form.</summary>
    Entropy,
}

/// <summary>
/// <c>- quantize: {...}</c>: post-training quantization. In <see cref="QuantizationMode.Static"/> mode (the
/// default) weights are quantized per output channel, symmetrically, in QDQ form; activations with ranges
/// calibrated on <see cref="Calibration"/> data (the validation data when the recipe names none).
/// <see cref="QuantizationMode.WeightOnly"/> packs MatMul/Gemm weights and Gather embedding tables block-wise
/// (<see cref="BlockSize"/>, <see cref="Symmetric"/>); <see cref="QuantizationMode.Dynamic"/> stores int8 weights and
/// quantizes activations at run time; <see cref="QuantizationMode.Fp16"/> stores float weights as float16.
/// </summary>
public sealed record QuantizeStep(
    SourceLocation Location,
    WeightType Weights,
    ActivationType Activations,
    bool PerChannel,
    IReadOnlyList<string> OpTypes,
    IReadOnlyList<string> ExcludeNodes,
    CalibrationSpec? Calibration) : CompressionStep(Location)
{
    /// <summary>The operators with a weight: what dynamic mode quantizes (and fp16 ignores <c>ops</c> anyway).</summary>
    public static readonly IReadOnlyList<string> WeightedOpTypes = ["MatMul", "Gemm", "Conv"];

    /// <summary>Recurrent operators: W and R are quantized in every integer mode (static quantizes them dynamically, in a second pass).</summary>
    public static readonly IReadOnlyList<string> RecurrentOpTypes = ["LSTM", "GRU"];

    /// <summary>
    /// Static mode's default: the operators ONNX Runtime runs as integer kernels on x86-64 CPU, or whose Q/DQ pairs it
    /// drops (see <see cref="QuantizableOperators"/>), and LSTM/GRU.
    /// </summary>
    public static IReadOnlyList<string> DefaultOpTypes => [.. QuantizableOperators.DefaultOpTypes, .. RecurrentOpTypes];

    /// <summary>Weight-only quantization's defaults: Conv has no MatMulNBits form; Gather embedding tables do.</summary>
    public static readonly IReadOnlyList<string> WeightOnlyDefaultOpTypes = ["MatMul", "Gemm", "Gather", "LSTM", "GRU"];

    /// <summary>
    /// The operator types <c>ops</c> may list in <paramref name="mode"/>: static mode knows its whole operator registry
    /// (Gather there means a Gather on activations); weight-only and dynamic the weighted operators and Gather tables;
    /// every integer mode LSTM and GRU.
    /// </summary>
    public static IReadOnlyList<string> AllowedOpTypes(QuantizationMode mode) => mode switch
    {
        QuantizationMode.Static => [.. QuantizableOperators.OpTypes, .. RecurrentOpTypes],
        _ => [.. WeightedOpTypes, .. RecurrentOpTypes, "Gather"],
    };

    /// <summary>Every operator type <c>ops</c> accepts in some mode (the schema's list).</summary>
    public static IReadOnlyList<string> KnownOpTypes =>
        Enum.GetValues<QuantizationMode>().SelectMany(AllowedOpTypes).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Dynamic mode, for transformers, also stores embedding tables as int8 rows, as ONNX Runtime's dynamic quantizer does.</summary>
    public static IReadOnlyList<string> DefaultOpTypesFor(QuantizationMode mode) => mode switch
    {
        QuantizationMode.Static => DefaultOpTypes,
        QuantizationMode.WeightOnly => WeightOnlyDefaultOpTypes,
        _ => [.. WeightedOpTypes, .. RecurrentOpTypes, "Gather"],
    };

    /// <summary>
    /// Activations default to uint8: ONNX Runtime's x86-64 integer kernels are u8×s8, and it converts int8 Q/DQ pairs to
    /// uint8 only where a quantized tensor has a single reader, so int8 leaves residual networks' shared tensors in float.
    /// </summary>
    public const ActivationType DefaultActivations = ActivationType.UInt8;

    /// <summary>Block sizes along K that weight-only quantization accepts (<c>block_size</c>).</summary>
    public static readonly IReadOnlyList<int> BlockSizes = [32, 64, 128];

    public const int DefaultBlockSize = 32;

    public QuantizationMode Mode { get; init; } = QuantizationMode.Static;

    /// <summary>Weights per scale along K (weight-only mode).</summary>
    public int BlockSize { get; init; } = DefaultBlockSize;

    /// <summary>Round to nearest, or GPTQ on calibration data (weight-only mode, <c>algorithm</c>).</summary>
    public WeightRounding Rounding { get; init; } = WeightRounding.Rtn;

    /// <summary>
    /// Symmetric blocks (implicit zero point) or one zero point per block (weight-only mode). Asymmetric by default, as
    /// ONNX Runtime's own int4 quantizer: 16 levels instead of 15 fitted to each block's range, for 4 more bits a block.
    /// </summary>
    public bool Symmetric { get; init; }

    /// <summary>
    /// Static mode: when the gates fail, the most sensitive quantized node falls back to float, one at a time,
    /// until they pass (<c>accuracy_aware</c>).
    /// </summary>
    public bool AccuracyAware { get; init; }

    /// <summary>
    /// Static mode: shift each quantized layer's bias so that its output channel means match the float model's on
    /// the calibration data (<c>bias_correction</c>).
    /// </summary>
    public bool BiasCorrection { get; init; }

    /// <summary>
    /// Static and dynamic modes: SmoothQuant-style scaling of the activations MatMul/Gemm layers read, moving their outlier
    /// channels into the weights before quantization (<c>smoothing</c>); null when off.
    /// </summary>
    public SmoothingSpec? Smoothing { get; init; }

    /// <summary>
    /// Nodes an accuracy-aware build gave back to float to pass the gates: not a recipe key, the optimizer sets it
    /// between candidates. Kept apart from <see cref="ExcludeNodes"/> so reports and warnings tell the two apart.
    /// </summary>
    public IReadOnlyList<string> FallbackNodes { get; init; } = [];

    /// <summary>
    /// Static mode: per-tensor settings that replace the step's (<c>overrides</c>), by tensor name, each located at its
    /// name; the quantizer checks the names against the model.
    /// </summary>
    public IReadOnlyDictionary<string, Located<TensorOverride>> Overrides { get; init; } = new Dictionary<string, Located<TensorOverride>>();

    /// <summary>Whether <paramref name="tensor"/> must stay float (<c>type: float</c>), and with it every node that would quantize it.</summary>
    public bool KeepsFloat(string tensor) => Overrides.TryGetValue(tensor, out var entry) && entry.Value.KeepFloat;
}

/// <summary>
/// One entry of quantize's <c>overrides</c>, in the spirit of ONNX Runtime's TensorQuantOverrides. For an activation:
/// a fixed <see cref="Range"/> that replaces calibration, its element <see cref="Type"/>, or <see cref="KeepFloat"/>
/// (<c>type: float</c>). For a weight: <see cref="PerChannel"/>.
/// </summary>
public sealed record TensorOverride
{
    public TensorRange? Range { get; init; }

    public ActivationType? Type { get; init; }

    public bool KeepFloat { get; init; }

    public bool? PerChannel { get; init; }

    /// <summary>Whether this entry sets something only an activation can have; <see cref="PerChannel"/> is for weights.</summary>
    public bool IsForActivation => Range is not null || Type is not null || KeepFloat;
}

/// <summary>SmoothQuant's migration strength α (<c>smoothing: 0.8</c>), or null to pick the most faithful α on the calibration data (<c>smoothing: auto</c>).</summary>
public sealed record SmoothingSpec(SourceLocation Location, double? Alpha);

/// <summary>
/// Calibration data for activation ranges: a CSV file with the same columns as validation data, a
/// <c>.npy</c>/<c>.npz</c> array of samples, or a folder of images (<see cref="Preprocess"/>).
/// </summary>
public sealed record CalibrationSpec(Located<string> Data, int Samples, CalibrationMethod Method, int Seed)
{
    public const int DefaultSamples = 128;

    /// <summary>How images become model inputs when <see cref="Data"/> is a folder; null for files.</summary>
    public ImagePreprocessing? Preprocess { get; init; }

    public const double DefaultPercentile = 99.999;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: p, the range runs from the (100 − p)th to the pth percentile.</summary>
    public double Percentile { get; init; } = DefaultPercentile;
}

/// <summary>
/// Labeled data the original and compressed models are evaluated on. A CSV file with a header row: the
/// <see cref="LabelColumn"/> holds the expected class (an index, or one of the recipe's labels); the other
/// columns (or <see cref="FeatureColumns"/>) are the model input, flattened in row-major order.
/// </summary>
public sealed record ValidationSpec(
    Located<string> Data,
    Located<string>? LabelColumn,
    Located<IReadOnlyList<string>>? FeatureColumns,
    Located<int>? Samples)
{
    /// <summary>The label column when the recipe names none.</summary>
    public const string DefaultLabelColumn = "label";

    /// <summary>
    /// How images become model inputs when <see cref="Data"/> is a folder of images, whose subfolders are the
    /// classes; null for files.
    /// </summary>
    public ImagePreprocessing? Preprocess { get; init; }

    /// <summary>The label column's name, defaulted.</summary>
    public string LabelColumnName => LabelColumn?.Value ?? DefaultLabelColumn;
}

/// <summary>The recipe's <c>gates</c>: every one that is set must pass or the build fails.</summary>
public sealed record GateSpec(AccuracyGate? Accuracy, AgreementGate? Agreement, SizeGate? Size, LatencyGate? Latency)
{
    public static readonly GateSpec None = new(null, null, null, null);
}

/// <summary><c>accuracy: { min, max_drop }</c>: top-1 accuracy of the compressed model on the validation data.</summary>
public sealed record AccuracyGate(Located<double>? Min, Located<double>? MaxDrop);

/// <summary><c>agreement: { min }</c>: share of samples where the compressed model predicts the original's class.</summary>
public sealed record AgreementGate(Located<double> Min);

/// <summary><c>size: { max, max_ratio }</c>: bytes of the compressed model, absolute and relative to the original.</summary>
public sealed record SizeGate(Located<long>? MaxBytes, Located<double>? MaxRatio);

/// <summary><c>latency: { p95_max, max_ratio }</c>: single-sample latency of the compressed model on the build machine.</summary>
public sealed record LatencyGate(Located<double>? P95MaxMilliseconds, Located<double>? MaxRatio);
