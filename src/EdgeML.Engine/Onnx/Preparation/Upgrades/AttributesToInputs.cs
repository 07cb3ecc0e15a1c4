using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>
/// The most common change between opsets: attributes that became inputs (Squeeze's and the reductions' axes,
/// Split's split, Slice's starts/ends/axes, TopK's k, Clip's min/max, Pad's pads/value). Each attribute the node
/// sets becomes a constant input at its slot after the data input; an absent optional one leaves its slot empty.
/// </summary>
internal static class AttributesToInputs
{
    /// <param name="Attribute">The former attribute.</param>
    /// <param name="ToTensor">Its value as the constant input.</param>
    /// <param name="TypedLikeData">Whether the input must have the data's element type (only float is converted).</param>
    public sealed record Slot(string Attribute, Func<AttributeProto, TensorProto> ToTensor, bool TypedLikeData = false);

    public static Slot Int64List(string attribute) => new(attribute, a => Tensors.FromInt64(string.Empty, [a.Ints.Count], a.Ints.ToArray()));

    /// <summary>A scalar integer attribute as a one-element int64 tensor (TopK's k).</summary>
    public static Slot Int64One(string attribute) => new(attribute, a => Tensors.FromInt64(string.Empty, [1], [a.I]));

    /// <summary>A float attribute as a scalar of the data's type (Clip's bounds, Pad's value).</summary>
    public static Slot DataScalar(string attribute) => new(attribute, a => Tensors.FromFloats(string.Empty, [], [a.F]), TypedLikeData: true);

    public static OperatorAdapter Adapter(params Slot[] slots) => (node, context) =>
    {
        if (node.Input.Count != 1)
        {
            throw context.Unsupported(node, $"it has {node.Input.Count} inputs where its old definition takes one");
        }

        if (slots.Any(s => s.TypedLikeData && node.Attribute.Any(a => a.Name == s.Attribute))
            && context.ElementTypeOf(node.Input[0]) is { } type && type != TensorProto.Types.DataType.Float)
        {
            throw context.Unsupported(node, $"its {type} data would need {type} constants, and only float ones are converted");
        }

        foreach (var slot in slots)
        {
            var attribute = node.TakeAttribute(slot.Attribute);
            node.Input.Add(attribute is null ? string.Empty : context.AddConstant($"{node.Name}_{slot.Attribute}", slot.ToTensor(attribute)));
        }

        // Absent optional inputs at the end are left out rather than named empty.
        while (node.Input.Count > 1 && node.Input[^1].Length == 0)
        {
            node.Input.RemoveAt(node.Input.Count - 1);
        }

        return [node];
    };
}
