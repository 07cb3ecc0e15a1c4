using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Data;

/// <summary>
/// Reads validation or calibration data in the format its extension names: <c>.npy</c> (one array whose first
/// dimension is the samples; no labels), <c>.npz</c> (array <c>x</c> or <c>input</c> for a single-input model, else
/// one array per model input named after it — <c>input_ids</c>, <c>attention_mask</c>, …; labels in <c>y</c> or
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

        var (inputs, labels) = extension == ".npy" ? ([(null, NpyReader.Read(path))], null) : ReadArchive(path);
        if (labels is null && labelRequired)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"'{path}' has no labels: evaluation needs them, in an .npz array 'y' or 'labels', or in CSV data", referencedAt);
        }

        var dataset = inputs.Select(input => ToInput(path, input.Name, input.Array, referencedAt)).ToArray();
        var samples = dataset[0].Count;
        if (dataset.FirstOrDefault(input => input.Count != samples) is { } other)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch,
                $"{other.Describe(path)} has {other.Count} samples, {dataset[0].Describe(path)} has {samples}; every input needs one entry per sample", new SourceLocation(path));
        }

        return new LabeledDataset(path, dataset, labels is null ? null : ToLabels(path, labels, samples, labelNames));
    }

    private static ((string? Name, NpyArray Array)[] Inputs, NpyArray? Labels) ReadArchive(string path)
    {
        string[] labelArrays = ["y", "labels"];
        using var archive = NpzReader.Open(path);
        var labels = NpzReader.ReadFirst(archive, path, labelArrays);
        if (NpzReader.ReadFirst(archive, path, "x", "input") is { } single)
        {
            return ([(null, single)], labels);
        }

        // No 'x': one array per model input, matched to the inputs by name when the model runs.
        var named = NpzReader.ArrayNames(archive).Except(labelArrays, StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(name => ((string?)name, NpzReader.ReadFirst(archive, path, name)!)).ToArray();
        return named.Length > 0
            ? (named, labels)
            : throw new EdgeMLException(DiagnosticCodes.DataMalformed, $"'{path}' has no array with samples: 'x' (or 'input'), or one array per model input named after it", new SourceLocation(path));
    }

    private static DatasetInput ToInput(string path, string? name, NpyArray array, SourceLocation referencedAt)
    {
        var input = new DatasetInput(name, null, array.Values, 1);
        if (array.Shape.Count == 0 || array.Values.Length == 0)
        {
            throw new EdgeMLException(DiagnosticCodes.DataEmpty, $"{input.Describe(path)} holds no samples (shape ({string.Join(", ", array.Shape)}))", referencedAt);
        }

        var samples = array.Shape[0];
        var sampleLength = array.Values.Length / samples;
        var nonFinite = Array.FindIndex(array.Values, value => !float.IsFinite(value));
        if (nonFinite >= 0)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMalformed, $"{input.Describe(path)} holds a value that is not a finite float in sample {nonFinite / sampleLength}", new SourceLocation(path));
        }

        return input with { SampleShape = array.Shape.Skip(1).ToArray(), SampleLength = sampleLength };
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
