using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Data;

/// <summary>
/// Reads validation or calibration data in the format its extension names: <c>.npy</c> (one array whose first
/// dimension is the samples; no labels), <c>.npz</c> (array <c>x</c> or <c>input</c>, labels in <c>y</c> or
/// <c>labels</c>), anything else CSV (<see cref="CsvDatasetReader"/>).
/// </summary>
public static class DatasetReader
{
    /// <inheritdoc cref="CsvDatasetReader.Read"/>
    public static LabeledDataset Read(string path, string? labelColumn, bool labelRequired, IReadOnlyList<string>? featureColumns, IReadOnlyList<string>? labelNames, SourceLocation referencedAt)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".npy" or ".npz"))
        {
            return CsvDatasetReader.Read(path, labelColumn, labelRequired, featureColumns, labelNames, referencedAt);
        }

        if (featureColumns is not null)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"'validation.features' picks CSV columns; '{path}' is an array, whose values are all features", referencedAt);
        }

        var (features, labels) = extension == ".npy" ? (NpyReader.Read(path), null) : ReadArchive(path);
        if (labels is null && labelRequired)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"'{path}' has no labels: evaluation needs them, in an .npz array 'y' or 'labels', or in CSV data", referencedAt);
        }

        return ToDataset(path, features, labels, labelNames, referencedAt);
    }

    private static (NpyArray Features, NpyArray? Labels) ReadArchive(string path)
    {
        using var archive = NpzReader.Open(path);
        var features = NpzReader.ReadFirst(archive, path, "x", "input")
            ?? throw new EdgeMLException(DiagnosticCodes.DataMalformed, $"'{path}' has no array 'x' or 'input' with the samples", new SourceLocation(path));
        return (features, NpzReader.ReadFirst(archive, path, "y", "labels"));
    }

    private static LabeledDataset ToDataset(string path, NpyArray features, NpyArray? labels, IReadOnlyList<string>? labelNames, SourceLocation referencedAt)
    {
        var file = new SourceLocation(path);
        if (features.Shape.Count == 0 || features.Values.Length == 0)
        {
            throw new EdgeMLException(DiagnosticCodes.DataEmpty, $"'{path}' holds no samples (shape ({string.Join(", ", features.Shape)}))", referencedAt);
        }

        var samples = features.Shape[0];
        var nonFinite = Array.FindIndex(features.Values, value => !float.IsFinite(value));
        if (nonFinite >= 0)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMalformed, $"'{path}' holds a value that is not a finite float in sample {nonFinite / (features.Values.Length / samples)}", file);
        }

        return new LabeledDataset(path, features.Values, features.Values.Length / samples, labels is null ? null : ToLabels(path, labels, samples, labelNames));
    }

    private static int[] ToLabels(string path, NpyArray labels, int samples, IReadOnlyList<string>? labelNames)
    {
        var file = new SourceLocation(path);
        if (labels.Shape.Count != 1 || labels.Shape[0] != samples)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"'{path}' has labels of shape ({string.Join(", ", labels.Shape)}); expected one per sample, ({samples})", file);
        }

        var classes = labelNames?.Count ?? int.MaxValue;
        return labels.Values.Select((value, sample) => value >= 0 && value < classes && value == MathF.Floor(value)
            ? (int)value
            : throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"label {value} of sample {sample} in '{path}' is not a class index{(labelNames is null ? " ≥ 0" : $" from 0 to {classes - 1}")}", file)).ToArray();
    }
}
