using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Tests.CodeGen;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Runtime;

/// <summary>Models for the runtime's failure paths.</summary>
internal static class RuntimeTestModels
{
    /// <summary>
    /// The signature of <see cref="TestModels.Classifier"/> (pixels float[N, 4] → scores float[N, 3]), but it
    /// reshapes the 4 pixels to rows of 3: it loads, and every run fails in ONNX Runtime.
    /// </summary>
    public static byte[] FailsAtRunTime()
    {
        var builder = new TestModelBuilder();
        builder.Input("pixels", 4);
        builder.Graph.Initializer.Add(Tensors.FromInt64("rows_of_three", [2], [-1, 3]));
        builder.Graph.Node.Add(Nodes.Create("Reshape", ["pixels", "rows_of_three"], ["scores"], "reshape"));
        builder.Output("scores", 3);
        return builder.BuildBytes();
    }

    /// <summary>Bytes ONNX Runtime cannot load.</summary>
    public static byte[] Corrupt() => [0x08, 0xff, 0xff, 0xff, 1, 2, 3];
}
