using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;
using Google.Protobuf;

namespace EdgeML.Engine.Tests.Traits;

/// <summary>
/// One real-world model trait: a builder that writes the model (and any files beside it) into a folder and returns
/// its path, the shape of one sample (sequence models included), whether the outputs are classes, and the
/// quantization modes that apply to its graph.
/// </summary>
internal sealed record TraitModel(string Name, Func<string, string> Write, long[] SampleShape, bool HasClasses, IReadOnlyList<QuantizationMode> Modes)
{
    public int SampleLength => (int)SampleShape.Aggregate(1L, (a, b) => a * b);

    public override string ToString() => Name;
}

/// <summary>Saves a model built in memory into the folder, under the trait's name.</summary>
internal static class TraitFiles
{
    public static string Save(ModelProto model, string folder, string name)
    {
        var path = Path.Combine(folder, $"{name}.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
