using System.Runtime.Serialization;
using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Recipes;

/// <summary>The colour channels an image becomes, in order.</summary>
public enum ImageChannels
{
    Rgb,
    Bgr,
    Grayscale,
}

/// <summary>Where the channel axis sits in the model input.</summary>
public enum ImageLayout
{
    /// <summary>Channels first: <c>[N, C, H, W]</c>, as PyTorch exports.</summary>
    Nchw,

    /// <summary>Channels last: <c>[N, H, W, C]</c>, as TensorFlow exports.</summary>
    Nhwc,
}

/// <summary>How <c>resize</c> fits an image into the target size.</summary>
public enum ResizeMode
{
    /// <summary>Scale each axis on its own to the target size; the aspect ratio may change.</summary>
    Stretch,

    /// <summary>Scale both axes alike until the image covers the target, then cut the centre out.</summary>
    [EnumMember(Value = "center_crop")]
    CenterCrop,
}

/// <summary>A height and a width in pixels, in that order, as <c>resize: [height, width]</c> writes them.</summary>
public readonly record struct ImageSize(int Height, int Width)
{
    public override string ToString() => $"{Height}×{Width}";
}

/// <summary>
/// <c>preprocess:</c> beside a <c>data:</c> that names a folder of images: how each image becomes one model input.
/// Pixels are resized (bilinear), ordered into <see cref="Channels"/>, laid out as <see cref="Layout"/>, multiplied
/// by <see cref="Scale"/>, then normalized per channel: <c>(pixel × scale − mean) / std</c>. A value the recipe
/// leaves out (null here) is derived from the model's input when the data is read.
/// </summary>
/// <param name="Location">The <c>preprocess</c> mapping, or the <c>data</c> value when the recipe has none.</param>
public sealed record ImagePreprocessing(SourceLocation Location)
{
    /// <summary>Bytes 0–255 become 0–1.</summary>
    public const float DefaultScale = 1f / 255;

    /// <summary>The size every image is resized to; null keeps the images' own size, which must be the model's.</summary>
    public Located<ImageSize>? Resize { get; init; }

    public ResizeMode ResizeMode { get; init; } = ResizeMode.Stretch;

    public Located<ImageChannels>? Channels { get; init; }

    public Located<ImageLayout>? Layout { get; init; }

    public float Scale { get; init; } = DefaultScale;

    /// <summary>Per-channel mean subtracted after scaling (one value, or one per channel); null subtracts nothing.</summary>
    public Located<IReadOnlyList<float>>? Mean { get; init; }

    /// <summary>Per-channel divisor applied after the mean; null divides by nothing.</summary>
    public Located<IReadOnlyList<float>>? Std { get; init; }
}
