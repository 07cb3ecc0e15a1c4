using System.Text.RegularExpressions;

namespace EdgeML.Engine.Recipes;

/// <summary>
/// A size as recipes write it: a whole number of bytes (<c>307200</c>) or a number with a unit (<c>300KB</c>,
/// <c>1.5 MB</c>). Units are 1024-based: <c>B</c>, <c>KB</c>, <c>MB</c>, <c>GB</c>, and the same as
/// <c>KiB</c>, <c>MiB</c>, <c>GiB</c>. Fractional results are rounded down to whole bytes.
/// </summary>
public static class SizeLiteral
{
    /// <summary>The accepted syntax, also used by the recipe's JSON schema.</summary>
    public const string Pattern = "^([0-9]+|[0-9]+(\\.[0-9]+)? ?(B|KB|MB|GB|KiB|MiB|GiB))$";

    private static readonly Regex Syntax = SchemaRegex.Create(Pattern);

    /// <summary>Parses a size into bytes; throws <see cref="FormatException"/> when <paramref name="text"/> is not one.</summary>
    public static long Parse(string text) =>
        TryParse(text, out var bytes) ? bytes : throw new FormatException($"'{text}' is not a size such as 307200, 300KB or 1.5MB");

    /// <summary>Parses a size into bytes; false when <paramref name="text"/> is not a size or is over <see cref="long.MaxValue"/> bytes.</summary>
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        if (!Syntax.IsMatch(text) || !UnitLiteral.TrySplit(text, out var number, out var unit) || number > long.MaxValue)
        {
            return false;
        }

        // decimal keeps "1.1KB" exact (1126.4, so 1126 bytes) where double would round the fraction first.
        var value = decimal.Floor(number * BytesPer(unit));
        if (value > long.MaxValue)
        {
            return false;
        }

        bytes = (long)value;
        return true;
    }

    private static decimal BytesPer(string unit) => unit switch
    {
        "KB" or "KiB" => 1024m,
        "MB" or "MiB" => 1024m * 1024,
        "GB" or "GiB" => 1024m * 1024 * 1024,
        _ => 1m, // "B", or no unit at all
    };
}
