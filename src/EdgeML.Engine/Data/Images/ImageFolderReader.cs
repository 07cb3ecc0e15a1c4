using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Data.Images;

/// <summary>
/// Reads a folder of images (<see cref="ImageFolder"/>) into model input samples. Only the images picked are
/// decoded, one at a time, and each is dropped as soon as its sample is written: memory holds the samples at the
/// model's size, never the full-size images.
/// </summary>
public static class ImageFolderReader
{
    /// <param name="path">The folder.</param>
    /// <param name="transform">How an image becomes a sample.</param>
    /// <param name="labeled">
    /// Whether each image's class folder is its label (validation data) or the images are unlabeled (calibration data,
    /// which may sit anywhere below the folder).
    /// </param>
    /// <param name="labelNames">
    /// The recipe's labels: a class folder's label is its index among them. Without them, it is the folder's index
    /// among the sorted (ordinal) class folders, as torchvision's <c>ImageFolder</c> numbers them.
    /// </param>
    /// <param name="samples">How many images to pick with <paramref name="seed"/>, as <see cref="LabeledDataset.Sample(int, int)"/> picks; null for all.</param>
    /// <param name="seed">The seed of the pick.</param>
    /// <param name="referencedAt">Where the recipe names the folder.</param>
    public static LabeledDataset Read(string path, ImageTransform transform, bool labeled, IReadOnlyList<string>? labelNames, int? samples, int seed, SourceLocation referencedAt)
    {
        var folder = ImageFolder.Scan(path);
        if (folder.Files.Count == 0)
        {
            throw new EdgeMLException(DiagnosticCodes.DataEmpty, $"'{path}' holds no images ({string.Join(", ", ImageFolder.Extensions)})", referencedAt);
        }

        // Labels are checked for every image, picked or not, so that a misplaced file fails every build alike.
        var labels = labeled ? Labels(folder, labelNames, referencedAt) : null;
        var picked = LabeledDataset.SampleIndices(folder.Files.Count, samples ?? folder.Files.Count, seed);
        if ((long)picked.Length * transform.SampleLength > Array.MaxLength)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"{picked.Length} images of {transform.SampleLength} values each are too many to hold at once; lower 'samples'", referencedAt);
        }

        var features = new float[picked.Length * transform.SampleLength];
        var scratch = new float[transform.SampleLength];
        for (var i = 0; i < picked.Length; i++)
        {
            var file = folder.Files[picked[i]];
            var image = ImageDecoder.Decode(file, transform.Channels);
            if (!transform.Resizes && image.Size != transform.Size)
            {
                throw new EdgeMLException(DiagnosticCodes.DataMismatch,
                    $"'{folder.RelativePath(file)}' in '{path}' is {image.Size} pixels (height×width), the model input takes {transform.Size}: add 'resize: [{transform.Size.Height}, {transform.Size.Width}]' to 'preprocess'",
                    transform.Location);
            }

            transform.Apply(image, scratch, features.AsSpan(i * transform.SampleLength, transform.SampleLength));
        }

        return new LabeledDataset(path, features, transform.SampleLength, labels is null ? null : Array.ConvertAll(picked, index => labels[index]));
    }

    private static int[] Labels(ImageFolder folder, IReadOnlyList<string>? labelNames, SourceLocation referencedAt)
    {
        var classes = labelNames ?? folder.Classes;
        var indexOf = classes.Select((name, index) => (name, index)).ToDictionary(entry => entry.name, entry => entry.index, StringComparer.Ordinal);
        var labels = new int[folder.Files.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            var file = folder.Files[i];
            var name = folder.ClassOf(file)
                ?? throw new EdgeMLException(DiagnosticCodes.DataMismatch,
                    $"'{folder.RelativePath(file)}' in '{folder.Path}' is not in a class folder: labeled images go in <folder>/<class>/", referencedAt);
            labels[i] = indexOf.TryGetValue(name, out var index)
                ? index
                : throw new EdgeMLException(DiagnosticCodes.DataMismatch,
                    $"the class folder '{name}' in '{folder.Path}' is not one of the recipe's labels ({string.Join(", ", classes)})", referencedAt);
        }

        return labels;
    }
}
