using System.Globalization;
using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Data;

/// <summary>
/// Reads labeled numeric CSV: a header row, then one sample per row. Errors point at the file, line and
/// column of the offending cell. Quoted cells are accepted; the delimiter is a comma.
/// </summary>
public static class CsvDatasetReader
{
    /// <param name="path">The CSV file.</param>
    /// <param name="labelColumn">The label column, or null for unlabeled data.</param>
    /// <param name="labelRequired">Whether a missing label column is an error (validation) or means unlabeled data (calibration).</param>
    /// <param name="featureColumns">The feature columns in input order, or null for every column but the label.</param>
    /// <param name="labelNames">Class names a label cell may hold instead of an index.</param>
    /// <param name="referencedAt">Where the recipe names this file, for errors that concern the file as a whole.</param>
    public static LabeledDataset Read(string path, string? labelColumn, bool labelRequired, IReadOnlyList<string>? featureColumns, IReadOnlyList<string>? labelNames, SourceLocation referencedAt)
    {
        using var reader = OpenReader(path, referencedAt);
        var header = reader.ReadLine();
        if (header is null)
        {
            throw new EdgeMLException(DiagnosticCodes.DataEmpty, $"'{path}' is empty: it needs a header row and at least one sample", referencedAt);
        }

        var columns = SplitRow(header, path, 1);
        var labelIndex = labelColumn is null ? -1
            : labelRequired || columns.Exists(c => c.Text == labelColumn) ? FindColumn(columns, labelColumn, path, referencedAt)
            : -1;
        var featureIndices = featureColumns is null
            ? Enumerable.Range(0, columns.Count).Where(i => i != labelIndex).ToArray()
            : featureColumns.Select(name => FindColumn(columns, name, path, referencedAt)).ToArray();
        if (featureIndices.Length == 0)
        {
            throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"'{path}' has no feature columns besides the label '{labelColumn}'", referencedAt);
        }

        var features = new List<float>();
        var labels = labelIndex >= 0 ? new List<int>() : null;
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var cells = SplitRow(line, path, lineNumber);
            if (cells.Count != columns.Count)
            {
                throw new EdgeMLException(DiagnosticCodes.DataMalformed, $"row has {cells.Count} cells, the header has {columns.Count}", new SourceLocation(path, lineNumber, 1));
            }

            foreach (var index in featureIndices)
            {
                features.Add(ParseFeature(cells[index], path, lineNumber));
            }

            labels?.Add(ParseLabel(cells[labelIndex], labelNames, path, lineNumber));
        }

        if (features.Count == 0)
        {
            throw new EdgeMLException(DiagnosticCodes.DataEmpty, $"'{path}' has a header but no samples", referencedAt);
        }

        return new LabeledDataset(path, [.. features], featureIndices.Length, labels?.ToArray());
    }

    private static StreamReader OpenReader(string path, SourceLocation referencedAt)
    {
        try
        {
            return new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EdgeMLException(DiagnosticCodes.RecipeFileNotFound, $"cannot read the data file '{path}': {e.Message}", referencedAt);
        }
    }

    private static int FindColumn(List<Cell> columns, string name, string path, SourceLocation referencedAt)
    {
        var index = columns.FindIndex(c => c.Text == name);
        if (index < 0)
        {
            var known = string.Join(", ", columns.Take(8).Select(c => c.Text)) + (columns.Count > 8 ? ", …" : string.Empty);
            throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"'{path}' has no column '{name}' (its columns: {known})", referencedAt);
        }

        return index;
    }

    private static float ParseFeature(Cell cell, string path, int line)
    {
        if (float.TryParse(cell.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && float.IsFinite(value))
        {
            return value;
        }

        throw new EdgeMLException(DiagnosticCodes.DataMalformed, $"'{cell.Text}' is not a finite number", new SourceLocation(path, line, cell.Column));
    }

    private static int ParseLabel(Cell cell, IReadOnlyList<string>? labelNames, string path, int line)
    {
        var location = new SourceLocation(path, line, cell.Column);
        if (int.TryParse(cell.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index))
        {
            if (index < 0 || (labelNames is not null && index >= labelNames.Count))
            {
                var range = labelNames is null ? "a class index ≥ 0" : $"a class index from 0 to {labelNames.Count - 1}";
                throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"label {index} is out of range: expected {range}", location);
            }

            return index;
        }

        var named = labelNames is null ? -1 : IndexOf(labelNames, cell.Text);
        if (named >= 0)
        {
            return named;
        }

        var expected = labelNames is null ? "a class index (the recipe has no labels)" : "a class index or one of the recipe's labels";
        throw new EdgeMLException(DiagnosticCodes.DataMismatch, $"label '{cell.Text}' is not {expected}", location);
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        return -1;
    }

    private static List<Cell> SplitRow(string line, string path, int lineNumber)
    {
        var cells = new List<Cell>();
        var position = 0;
        while (true)
        {
            var start = position;
            string text;
            if (position < line.Length && line[position] == '"')
            {
                var close = line.IndexOf('"', position + 1);
                while (close >= 0 && close + 1 < line.Length && line[close + 1] == '"')
                {
                    close = line.IndexOf('"', close + 2);
                }

                if (close < 0)
                {
                    throw new EdgeMLException(DiagnosticCodes.DataMalformed, "unterminated quoted cell", new SourceLocation(path, lineNumber, position + 1));
                }

                text = line[(position + 1)..close].Replace("\"\"", "\"", StringComparison.Ordinal);
                position = close + 1;
            }
            else
            {
                var comma = line.IndexOf(',', position);
                var end = comma < 0 ? line.Length : comma;
                text = line[position..end];
                position = end;
            }

            cells.Add(new Cell(text.Trim(), start + 1));
            if (position >= line.Length)
            {
                return cells;
            }

            if (line[position] != ',')
            {
                throw new EdgeMLException(DiagnosticCodes.DataMalformed, "expected a comma after the quoted cell", new SourceLocation(path, lineNumber, position + 1));
            }

            position++;
        }
    }

    private readonly record struct Cell(string Text, int Column);
}
