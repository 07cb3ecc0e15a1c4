using System.Globalization;

namespace EdgeML.Engine.CodeGen;

/// <summary>One dimension of a model input or output: a fixed size, or dynamic (named by a <c>dim_param</c> or unknown).</summary>
public readonly record struct TensorDimension
{
    private TensorDimension(long? value, string? name)
    {
        Value = value;
        Name = name;
    }

    /// <summary>The size, or <see langword="null"/> when the dimension is dynamic.</summary>
    public long? Value { get; }

    /// <summary>The symbolic name of a dynamic dimension (<c>batch</c>, say), or <see langword="null"/>.</summary>
    public string? Name { get; }

    public bool IsFixed => Value is not null;

    public static TensorDimension Fixed(long value) => new(value, null);

    public static TensorDimension Dynamic(string? name = null) => new(null, name);

    /// <summary>The size, the symbolic name, or <c>?</c> for an unknown dynamic dimension.</summary>
    public override string ToString() => Value?.ToString(CultureInfo.InvariantCulture) ?? Name ?? "?";
}
