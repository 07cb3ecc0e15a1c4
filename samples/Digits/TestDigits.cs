using System.Globalization;

namespace Digits;

/// <summary>One 28×28 digit: pixels in [0, 1], row by row, and its true class.</summary>
internal sealed record Digit(int Label, float[] Pixels);

/// <summary>Reads the held-out digits (label,p0,…,p783 per row) that the build also validates against.</summary>
internal static class TestDigits
{
    public static List<Digit> Load(string path) =>
        File.ReadLines(path)
            .Skip(1)
            .Select(line => line.Split(','))
            .Select(cells => new Digit(
                int.Parse(cells[0], CultureInfo.InvariantCulture),
                cells.Skip(1).Select(cell => float.Parse(cell, CultureInfo.InvariantCulture)).ToArray()))
            .ToList();
}
