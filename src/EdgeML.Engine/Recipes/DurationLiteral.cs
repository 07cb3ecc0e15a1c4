using System.Text.RegularExpressions;

namespace EdgeML.Engine.Recipes;

/// <summary>
/// A duration as recipes write it: a number with a unit <c>us</c>, <c>ms</c> or <c>s</c> (<c>250us</c>,
/// <c>5ms</c>, <c>1.5 s</c>), or a bare number of milliseconds (<c>5</c>).
/// </summary>
public static class DurationLiteral
{
    /// <summary>The accepted syntax, also used by the recipe's JSON schema.</summary>
    public const string Pattern = "^[0-9]+(\\.[0-9]+)?( ?(us|ms|s))?$";

    private static readonly Regex Syntax = SchemaRegex.Create(Pattern);

    /// <summary>Parses a duration into milliseconds; throws <see cref="FormatException"/> when <paramref name="text"/> is not one.</summary>
    public static double ParseMilliseconds(string text) =>
        TryParseMilliseconds(text, out var milliseconds) ? milliseconds : throw new FormatException($"'{text}' is not a duration such as 250us, 5ms or 1.5s");

    /// <summary>Parses a duration into milliseconds; false when <paramref name="text"/> is not a duration.</summary>
    public static bool TryParseMilliseconds(string text, out double milliseconds)
    {
        milliseconds = 0;
        if (!Syntax.IsMatch(text) || !UnitLiteral.TrySplit(text, out var number, out var unit))
        {
            return false;
        }

        // Dividing (not multiplying by 0.001) keeps "5us" at exactly the double nearest 0.005.
        var value = (double)number;
        milliseconds = unit switch
        {
            "us" => value / 1000,
            "s" => value * 1000,
            _ => value, // "ms", or no unit at all
        };
        return true;
    }
}
