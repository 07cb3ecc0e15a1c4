using System.Globalization;
using System.Reflection;
using System.Runtime.Serialization;
using EdgeML.Engine.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace EdgeML.Engine.Recipes;

/// <summary>
/// One value of a recipe's YAML, read as the type the format expects there. It knows its location and its key
/// path (<c>gates.accuracy.min</c>), so every conversion error is an <see cref="DiagnosticCodes.RecipeInvalidValue"/>
/// that points at the offending value.
/// </summary>
/// <remarks>
/// Scalars follow the YAML 1.2 core schema: only plain (unquoted) scalars can be numbers, booleans or null, so
/// <c>"0.95"</c> is text. Text is accepted from any scalar, so <c>exclude: [123]</c> names node "123".
/// </remarks>
internal sealed class RecipeNode
{
    private readonly YamlNode node;
    private readonly string file;

    public RecipeNode(YamlNode node, string path, string file)
    {
        this.node = node;
        this.file = file;
        Path = path;
        Location = RecipeYaml.At(file, node.Start);
    }

    /// <summary>The key path from the recipe's root, e.g. <c>steps[0].quantize.ops[1]</c>; "" for the root.</summary>
    public string Path { get; }

    public SourceLocation Location { get; }

    /// <summary>How messages name this value: <c>'gates.accuracy.min'</c>, or "the recipe" for the root.</summary>
    public string Display => Path.Length == 0 ? "the recipe" : $"'{Path}'";

    public bool IsNull => node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" };

    public EdgeMLException Error(string code, string message) => new(code, message, Location);

    public EdgeMLException Invalid(string message) => Error(DiagnosticCodes.RecipeInvalidValue, message);

    /// <summary>Non-empty text from any scalar.</summary>
    public string AsString()
    {
        var text = Scalar("text");
        return text.Trim().Length > 0 ? text : throw Invalid($"{Display} must not be empty");
    }

    /// <summary>A whole number, at least <paramref name="minimum"/>.</summary>
    public int AsInt(int minimum = int.MinValue)
    {
        var expected = minimum == int.MinValue ? "a whole number" : $"a whole number of at least {minimum}";
        return int.TryParse(PlainScalar(expected), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum
            ? value
            : throw Invalid($"{Display} must be {expected}, not {Describe()}");
    }

    /// <summary>A number in [0, 1], as accuracy and agreement are measured.</summary>
    public double AsFraction() => AsNumber(value => value is >= 0 and <= 1, "a fraction between 0 and 1 (0.95 means 95%)");

    /// <summary>A number in [0, 1), as the share of weights or channels to prune is: pruning everything makes no model.</summary>
    public double AsFractionBelowOne() => AsNumber(value => value is >= 0 and < 1, "a fraction from 0 up to, but not including, 1 (0.5 means half)");

    /// <summary>A percentile in (50, 100], as calibration's is: at most half of the values may be clipped on each side.</summary>
    public double AsPercentile() => AsNumber(value => value is > 50 and <= 100, "a percentile greater than 50 and at most 100 (99.99 clips 0.01% of the values on each side)");

    /// <summary>Any finite number, as a range's bounds are.</summary>
    public double AsNumber() => AsNumber(_ => true, "a number");

    /// <summary>A number greater than 0, as ratios are.</summary>
    public double AsPositiveNumber() => AsNumber(value => value > 0, "a number greater than 0");

    public bool AsBool() => PlainScalar("true or false") switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => throw Invalid($"{Display} must be true or false, not {Describe()}"),
    };

    /// <summary>One of <paramref name="allowed"/>, spelled exactly.</summary>
    public string AsOneOf(IReadOnlyList<string> allowed)
    {
        var text = Scalar($"one of: {string.Join(", ", allowed)}");
        if (allowed.Contains(text))
        {
            return text;
        }

        var hint = ClosestName.Find(text, allowed) is { } closest ? $"; did you mean '{closest}'?" : "";
        throw Invalid($"{Display} must be one of: {string.Join(", ", allowed)}, not '{text}'{hint}");
    }

    /// <summary>An enum member, written as its lower-case name (<c>int8</c>, <c>minmax</c>) or its <see cref="EnumMemberAttribute"/> value.</summary>
    public TEnum AsEnum<TEnum>()
        where TEnum : struct, Enum
    {
        var names = EnumNames<TEnum>();
        var name = AsOneOf(names);
        return Enum.GetValues<TEnum>()[names.ToList().IndexOf(name)];
    }

    /// <summary>
    /// How recipes spell the members of <typeparamref name="TEnum"/>, in <see cref="Enum.GetValues{TEnum}"/> order:
    /// the lower-case name, unless <see cref="EnumMemberAttribute"/> gives another (<c>weight_only</c>).
    /// </summary>
    public static IReadOnlyList<string> EnumNames<TEnum>()
        where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>()
            .Select(value => typeof(TEnum).GetField(value.ToString())!.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? value.ToString().ToLowerInvariant())
            .ToArray();

    public IReadOnlyList<RecipeNode> AsList() =>
        node is YamlSequenceNode sequence
            ? sequence.Children.Select((item, index) => new RecipeNode(item, $"{Path}[{index}]", file)).ToArray()
            : throw Invalid($"{Display} must be a list such as [a, b], not {Describe()}");

    /// <summary>
    /// A list of distinct strings, each one of <paramref name="allowed"/> when given. A repeated entry is an
    /// <see cref="DiagnosticCodes.RecipeDuplicate"/> error, as it is almost always a copy-paste slip.
    /// </summary>
    public IReadOnlyList<string> AsStringList(bool allowEmpty, IReadOnlyList<string>? allowed = null)
    {
        var items = AsList();
        if (items.Count == 0 && !allowEmpty)
        {
            throw Invalid($"{Display} must list at least one entry");
        }

        var values = new List<string>();
        foreach (var item in items)
        {
            var value = allowed is null ? item.AsString() : item.AsOneOf(allowed);
            if (values.Contains(value))
            {
                throw item.Error(DiagnosticCodes.RecipeDuplicate, $"{Display} lists '{value}' twice");
            }

            values.Add(value);
        }

        return values;
    }

    /// <summary>
    /// A mapping whose keys <paramref name="section"/> knows. A key with no value (<c>gates:</c> with everything
    /// below it commented out) counts as an empty mapping.
    /// </summary>
    public RecipeMapping AsMapping(RecipeSection section)
    {
        if (IsNull)
        {
            return new RecipeMapping(this, section, []);
        }

        if (node is not YamlMappingNode mapping)
        {
            throw Invalid($"{Display} must be a mapping with the keys {string.Join(", ", section.Keys)}, not {Describe()}");
        }

        var entries = new List<RecipeEntry>();
        foreach (var (key, value) in mapping.Children)
        {
            var name = KeyName(key, section);
            var path = Path.Length == 0 ? name : $"{Path}.{name}";
            entries.Add(new RecipeEntry(name, RecipeYaml.At(file, key.Start), new RecipeNode(value, path, file)));
        }

        return new RecipeMapping(this, section, entries);
    }

    /// <summary>
    /// A mapping from names the user chooses (node names) to values read with <paramref name="read"/>; each value
    /// is located at its name, since that is what a later check of the name points at.
    /// </summary>
    public IReadOnlyDictionary<string, Located<T>> AsNameMap<T>(Func<RecipeNode, T> read)
    {
        if (IsNull)
        {
            return new Dictionary<string, Located<T>>();
        }

        if (node is not YamlMappingNode mapping)
        {
            throw Invalid($"{Display} must be a mapping of names to values such as {{ fc1: 0.3 }}, not {Describe()}");
        }

        var result = new Dictionary<string, Located<T>>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            var name = new RecipeNode(key, Path, file).AsString();
            result[name] = new Located<T>(read(new RecipeNode(value, $"{Path}.{name}", file)), RecipeYaml.At(file, key.Start));
        }

        return result;
    }

    /// <summary>A key of this mapping, which must be one that <paramref name="section"/> knows.</summary>
    private string KeyName(YamlNode key, RecipeSection section)
    {
        var keyNode = new RecipeNode(key, Path, file);
        if (key is not YamlScalarNode { Value: { } name } || keyNode.IsNull)
        {
            throw keyNode.Invalid($"the keys of {Display} must be names such as '{section.Keys[0]}', not {keyNode.Describe()}");
        }

        if (section.Keys.Contains(name))
        {
            return name;
        }

        var hint = name == "<<"
            ? "; YAML merge keys are not supported, write the keys out (an alias can still reuse a whole mapping)"
            : ClosestName.Find(name, section.Keys) is { } closest ? $"; did you mean '{closest}'?" : "";
        throw keyNode.Error(DiagnosticCodes.RecipeUnknownKey, $"unknown key '{name}' in {Display}{hint} (known keys: {string.Join(", ", section.Keys)})");
    }

    /// <summary>A number that <paramref name="isInRange"/> accepts; <paramref name="expected"/> describes the range in the error.</summary>
    public double AsNumber(Func<double, bool> isInRange, string expected) =>
        double.TryParse(PlainScalar(expected), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && isInRange(value)
            ? value
            : throw Invalid($"{Display} must be {expected}, not {Describe()}");

    private string Scalar(string expected) =>
        node is YamlScalarNode { Value: { } text } && !IsNull ? text : throw Invalid($"{Display} must be {expected}, not {Describe()}");

    /// <summary>The text of a plain scalar; quoted ones are strings, never numbers or booleans.</summary>
    private string PlainScalar(string expected)
    {
        var text = Scalar(expected);
        return node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain }
            ? text
            : throw Invalid($"{Display} must be {expected}, not the quoted text {Describe()}; remove the quotes");
    }

    private string Describe() => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull => "an empty value",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        _ => "an unsupported YAML value",
    };
}
