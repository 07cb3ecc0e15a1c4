using System.Globalization;

namespace EdgeML.Engine.Recipes;

/// <summary>The shared shape of <see cref="SizeLiteral"/> and <see cref="DurationLiteral"/>: a number, then an optional unit.</summary>
internal static class UnitLiteral
{
    /// <summary>
    /// Splits text that the literal's pattern has already accepted; the unit is "" when absent. False when the
    /// number is too large for <see cref="decimal"/>.
    /// </summary>
    public static bool TrySplit(string text, out decimal number, out string unit)
    {
        var unitStart = text.AsSpan().IndexOfAnyExcept("0123456789.");
        var digits = unitStart < 0 ? text : text[..unitStart];
        unit = unitStart < 0 ? "" : text[unitStart..].Trim();
        return decimal.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number);
    }
}
