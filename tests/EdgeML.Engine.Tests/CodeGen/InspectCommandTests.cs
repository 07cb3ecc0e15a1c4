using EdgeML.Engine.Tests.Support;
using EdgeML.Worker;

namespace EdgeML.Engine.Tests.CodeGen;

/// <summary>`edgeml inspect` prints each input and output with its element type and shape.</summary>
[TestClass]
public sealed class InspectCommandTests
{
    [TestMethod]
    public void PrintsNamesTypesAndShapes()
    {
        using var directory = new TempDirectory();
        var builder = new TestModelBuilder();
        builder.Output(builder.Relu(builder.Gemm(builder.Input("features", 4), 4, 2)), 2);
        File.WriteAllBytes(directory.File("model.onnx"), builder.BuildBytes());
        using var output = new StringWriter();

        var exitCode = new InspectCommand(output).Run(directory.File("model.onnx"));

        Assert.AreEqual(0, exitCode, output.ToString());
        Assert.Contains("input  features: Float [N, 4]", output.ToString());
        Assert.Contains("output relu2_output: Float [N, 2]", output.ToString());
        Assert.Contains("operators: Gemm ×1, Relu ×1", output.ToString());
    }
}
