using System.Text.Json.Serialization;

namespace EdgeML.Runtime;

/// <summary>One named float tensor of a golden sample: its shape and its values in row-major order.</summary>
public sealed class EdgeMLTensorData
{
    private readonly float[] _data;

    /// <summary>Creates the tensor, keeping copies of the shape and the values.</summary>
    /// <param name="name">The tensor's name in the ONNX graph.</param>
    /// <param name="shape">The tensor's concrete dimensions (none dynamic).</param>
    /// <param name="data">The values in row-major order; as many as the shape holds.</param>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not hold exactly the values given.</exception>
    [JsonConstructor]
    public EdgeMLTensorData(string name, IReadOnlyList<long> shape, IReadOnlyList<float> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Any(d => d < 0))
        {
            throw new ArgumentException($"tensor '{name}' has the shape {TensorShapes.Format(shape)}; golden tensors have concrete dimensions.", nameof(shape));
        }

        var count = shape.Aggregate(1L, (product, d) => checked(product * d));
        if (count != data.Count)
        {
            throw new ArgumentException($"tensor '{name}' of shape {TensorShapes.Format(shape)} holds {count} values, not {data.Count}.", nameof(data));
        }

        Name = name;
        Shape = shape.ToArray();
        _data = data.ToArray();
    }

    /// <summary>The tensor's name in the ONNX graph.</summary>
    public string Name { get; }

    /// <summary>The tensor's concrete dimensions.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The values in row-major order.</summary>
    public IReadOnlyList<float> Data => _data;

    internal ReadOnlySpan<float> Values => _data;
}
