using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>Small factories for nodes, attributes and value infos, so graph rewrites read like the graph they build.</summary>
public static class Nodes
{
    public static NodeProto Create(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string name, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Floats(string name, params float[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>The integer attribute's value, or <paramref name="fallback"/> when the node does not set it.</summary>
    public static long GetInt(this NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.I : fallback;

    /// <summary>The string attribute's value, or <paramref name="fallback"/> when the node does not set it.</summary>
    public static string GetString(this NodeProto node, string name, string fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.S.ToStringUtf8() : fallback;

    /// <summary>Removes the named attribute from the node and returns it, or null when the node does not set it.</summary>
    public static AttributeProto? TakeAttribute(this NodeProto node, string name)
    {
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        if (attribute is not null)
        {
            node.Attribute.Remove(attribute);
        }

        return attribute;
    }

    /// <summary>Sets the attribute, replacing one of the same name.</summary>
    public static void SetAttribute(this NodeProto node, AttributeProto attribute)
    {
        node.TakeAttribute(attribute.Name);
        node.Attribute.Add(attribute);
    }

    /// <summary>How messages name the node: its name, or its first output where old exporters left it unnamed.</summary>
    public static string DisplayName(this NodeProto node) => node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? string.Empty;

    /// <summary>Whether the node is in the default ("ai.onnx") domain.</summary>
    public static bool IsDefaultDomain(this NodeProto node) => string.IsNullOrEmpty(node.Domain) || node.Domain == "ai.onnx";

    /// <summary>A tensor value info; a null dimension is dynamic and gets <paramref name="dynamicName"/>.</summary>
    public static ValueInfoProto TensorValueInfo(string name, TensorProto.Types.DataType elementType, IEnumerable<long?> dims, string dynamicName = "N")
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim is { } value ? new TensorShapeProto.Types.Dimension { DimValue = value } : new TensorShapeProto.Types.Dimension { DimParam = dynamicName });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    /// <summary>The default-domain ("ai.onnx") opset the model imports, or 0 when it imports none.</summary>
    public static long DefaultOpset(this ModelProto model) =>
        model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
}
