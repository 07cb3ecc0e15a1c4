using System.Numerics.Tensors;
using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Data.Images;

/// <summary>
/// Image preprocessing with every value settled: the recipe's <c>preprocess</c>, its gaps filled from the model
/// input's shape and checked against it, so that a mismatch is an error at the recipe line instead of a model
/// fed the wrong tensor. <see cref="Mean"/> and <see cref="Std"/> hold one value per channel.
/// </summary>
public sealed record ImageTransform(ImageSize Size, bool Resizes, ResizeMode ResizeMode, ImageChannels Channels, ImageLayout Layout, float Scale, float[] Mean, float[] Std)
{
    /// <summary>Where the recipe declared the preprocessing; errors about single images point here.</summary>
    public SourceLocation Location { get; init; }

    public int ChannelCount => Channels == ImageChannels.Grayscale ? 1 : 3;

    /// <summary>Floats per sample: channels × height × width.</summary>
    public int SampleLength => ChannelCount * Size.Height * Size.Width;

    /// <summary>
    /// Fills in what <paramref name="declared"/> leaves out from <paramref name="input"/>, the model input the images
    /// feed. A 4-D input <c>[N, C, H, W]</c> or <c>[N, H, W, C]</c> (the axis holding 1 or 3 tells them apart) gives the
    /// layout, the channels (1 is grayscale, 3 RGB) and, without <c>resize</c>, the size; other inputs take NCHW RGB
    /// at the <c>resize</c> size, and their fixed element count must match.
    /// </summary>
    /// <param name="declared">The recipe's preprocessing.</param>
    /// <param name="input">The model's single input, or null when it has several (running the model then fails with its own error).</param>
    /// <exception cref="EdgeMLException">The recipe contradicts the model input, or the input does not say what the recipe leaves out.</exception>
    public static ImageTransform Resolve(ImagePreprocessing declared, TensorSignature? input)
    {
        var shape = input?.Shape.Select(dimension => dimension.Value).ToArray();
        var spatial = shape is { Length: 4 };
        var layout = declared.Layout?.Value
            ?? (spatial && !IsImageChannelCount(shape![1]) && IsImageChannelCount(shape[3]) ? ImageLayout.Nhwc : ImageLayout.Nchw);
        var (channelAxis, heightAxis) = layout == ImageLayout.Nchw ? (1, 2) : (3, 1);
        var modelChannels = spatial ? shape![channelAxis] : null;
        if (modelChannels is { } count && !IsImageChannelCount(count))
        {
            throw Mismatch(declared.Layout?.Location ?? declared.Location,
                $"the model input {Describe(input!)} has {count} at the channel axis of {Name(layout)}; images have 1 channel (grayscale) or 3 (rgb, bgr)");
        }

        var channels = declared.Channels?.Value ?? (modelChannels == 1 ? ImageChannels.Grayscale : ImageChannels.Rgb);
        var channelCount = channels == ImageChannels.Grayscale ? 1 : 3;
        if (modelChannels is { } expected && expected != channelCount)
        {
            throw Mismatch(declared.Channels!.Value.Location,
                $"'channels: {Name(channels)}' gives {channelCount} channel{(channelCount == 1 ? "" : "s")}; the model input {Describe(input!)} takes {expected} ({Name(layout)})");
        }

        var size = ResolveSize(declared, input, spatial ? (shape![heightAxis], shape[heightAxis + 1]) : (null, null));
        if (!spatial && shape is { Length: > 1 } && shape.Skip(1).All(dimension => dimension is not null))
        {
            var takes = shape.Skip(1).Aggregate(1L, (product, dimension) => product * dimension!.Value);
            if (takes != (long)channelCount * size.Height * size.Width)
            {
                throw Mismatch(declared.Location,
                    $"{Name(channels)} images of {size} give {channelCount * size.Height * size.Width} values; the model input {Describe(input!)} takes {takes} per sample");
            }
        }

        return new ImageTransform(size, declared.Resize is not null, declared.ResizeMode, channels, layout, declared.Scale,
            PerChannel(declared.Mean, 0f, channelCount), PerChannel(declared.Std, 1f, channelCount))
        {
            Location = declared.Location,
        };
    }

    /// <summary>
    /// Writes <paramref name="image"/> (decoded with <see cref="Channels"/>) as one model input: resized, its channels
    /// in order, scaled and normalized, in <see cref="Layout"/>.
    /// </summary>
    /// <param name="image">The decoded image.</param>
    /// <param name="scratch">Room for <see cref="SampleLength"/> floats, reused from image to image.</param>
    /// <param name="sample">The sample's <see cref="SampleLength"/> floats.</param>
    public void Apply(DecodedImage image, Span<float> scratch, Span<float> sample)
    {
        // Channels-first samples are the planes themselves; channels-last ones interleave them afterwards.
        var planes = Layout == ImageLayout.Nchw ? sample : scratch[..SampleLength];
        BilinearResampler.Resample(image, Size, ResizeMode, Channels switch
        {
            ImageChannels.Rgb => [0, 1, 2],
            ImageChannels.Bgr => [2, 1, 0],
            _ => [0],
        }, planes);

        var planeLength = Size.Height * Size.Width;
        for (var channel = 0; channel < ChannelCount; channel++)
        {
            // (pixel × scale − mean) / std as one multiply and one add over the plane.
            var plane = planes.Slice(channel * planeLength, planeLength);
            TensorPrimitives.Multiply(plane, Scale / Std[channel], plane);
            TensorPrimitives.Add(plane, -Mean[channel] / Std[channel], plane);
        }

        if (Layout == ImageLayout.Nhwc)
        {
            for (var pixel = 0; pixel < planeLength; pixel++)
            {
                for (var channel = 0; channel < ChannelCount; channel++)
                {
                    sample[(pixel * ChannelCount) + channel] = planes[(channel * planeLength) + pixel];
                }
            }
        }
    }

    private static ImageSize ResolveSize(ImagePreprocessing declared, TensorSignature? input, (long? Height, long? Width) model)
    {
        if (declared.Resize is { } resize)
        {
            if ((model.Height is { } height && height != resize.Value.Height) || (model.Width is { } width && width != resize.Value.Width))
            {
                throw Mismatch(resize.Location, $"'resize: [{resize.Value.Height}, {resize.Value.Width}]' does not fit the model input {Describe(input!)}, which takes {model.Height}×{model.Width} images");
            }

            return resize.Value;
        }

        return model is ({ } fixedHeight, { } fixedWidth)
            ? new ImageSize((int)fixedHeight, (int)fixedWidth)
            : throw Mismatch(declared.Location,
                $"the model input {(input is null ? "" : $"{Describe(input)} ")}does not fix an image size: add 'resize: [height, width]' to 'preprocess'");
    }

    private static float[] PerChannel(Located<IReadOnlyList<float>>? values, float fallback, int channels) => values switch
    {
        null => Enumerable.Repeat(fallback, channels).ToArray(),
        { Value.Count: 1 } single => Enumerable.Repeat(single.Value[0], channels).ToArray(),
        { } perChannel when perChannel.Value.Count == channels => [.. perChannel.Value],
        { } other => throw Mismatch(other.Location, $"there are {channels} channel{(channels == 1 ? "" : "s")} to normalize, but {other.Value.Count} values"),
    };

    private static bool IsImageChannelCount(long? count) => count is 1 or 3;

    private static string Describe(TensorSignature input) => $"'{input.OnnxName}' [{string.Join(", ", input.Shape)}]";

    private static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => RecipeNode.EnumNames<TEnum>()[Array.IndexOf(Enum.GetValues<TEnum>(), value)];

    private static EdgeMLException Mismatch(SourceLocation location, string message) => new(DiagnosticCodes.DataMismatch, message, location);
}
