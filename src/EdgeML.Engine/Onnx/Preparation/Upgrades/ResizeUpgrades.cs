using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx.Preparation.Upgrades;

/// <summary>
/// Upsample (opsets 7–9) and Resize 10 into Resize 11 and later. Upsample 7's <c>scales</c> attribute became an input
/// at 9, Upsample became Resize at 10 with the same meaning, and Resize 11 added a <c>roi</c> input and the coordinate
/// and rounding modes. Upsample and Resize 10 map output pixel x to input pixel x / scale ("asymmetric"); nearest
/// mode truncates that when enlarging and rounds it up when shrinking, which Resize 11 spells nearest_mode floor
/// and ceil.
/// </summary>
internal static class ResizeUpgrades
{
    /// <summary>Upsample 7 → 9: <c>scales</c> becomes the second input.</summary>
    public static readonly OperatorAdapter ScalesToInput = AttributesToInputs.Adapter(
        new AttributesToInputs.Slot("scales", a => Tensors.FromFloats(string.Empty, [a.Floats.Count], a.Floats.ToArray())));

    /// <summary>Upsample 9 → Resize 10: the same inputs and mode.</summary>
    public static IReadOnlyList<NodeProto> UpsampleToResize(NodeProto node, UpgradeContext context) =>
        [Nodes.Create("Resize", node.Input, node.Output, node.Name, Nodes.String("mode", node.GetString("mode", "nearest")))];

    /// <summary>Resize 10 → 11: an empty <c>roi</c> before <c>scales</c>, and the modes Resize 10 implied.</summary>
    public static IReadOnlyList<NodeProto> AddRoiAndModes(NodeProto node, UpgradeContext context)
    {
        var mode = node.GetString("mode", "nearest");
        if (mode == "nearest")
        {
            node.SetAttribute(Nodes.String("nearest_mode", NearestRounding(node, context)));
        }
        else if (mode != "linear")
        {
            throw context.Unsupported(node, $"its mode '{mode}' is not one Resize 10 defines");
        }

        node.SetAttribute(Nodes.String("coordinate_transformation_mode", "asymmetric"));
        var roi = context.AddConstant($"{node.Name}_roi", Tensors.FromFloats(string.Empty, [0], []));
        node.Input.Insert(1, roi);
        return [node];
    }

    // Rounding follows the direction of each axis's scale, so it is known only for constant scales that agree.
    private static string NearestRounding(NodeProto node, UpgradeContext context)
    {
        if (node.Input.Count < 2 || context.Constant(node.Input[1]) is not { } scalesTensor)
        {
            throw context.Unsupported(node, "nearest resizing rounds by the direction of its scales, and they are not constant");
        }

        var scales = Tensors.ToFloats(scalesTensor);
        return scales.All(s => s >= 1f) ? "floor"
            : scales.All(s => s <= 1f) ? "ceil"
            : throw context.Unsupported(node, "it enlarges some axes and shrinks others, which nearest resizing rounds differently");
    }
}
