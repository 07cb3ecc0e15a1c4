using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;

namespace EdgeML.Worker;

/// <summary>`edgeml inspect`: what a model takes and returns, and which operators it uses.</summary>
internal sealed class InspectCommand(TextWriter output)
{
    public int Run(string modelPath)
    {
        try
        {
            var model = OnnxModelFile.Load(modelPath);
            var signature = ModelSignature.FromModel(model);
            output.WriteLine($"{modelPath}: IR {model.IrVersion}, opsets {string.Join(", ", model.OpsetImport.Select(o => $"{(o.Domain.Length == 0 ? "ai.onnx" : o.Domain)} {o.Version}"))}, {new FileInfo(modelPath).Length:N0} bytes");
            foreach (var input in signature.Inputs)
            {
                output.WriteLine($"  input  {input}");
            }

            foreach (var outputTensor in signature.Outputs)
            {
                output.WriteLine($"  output {outputTensor}");
            }

            var operators = model.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}");
            output.WriteLine($"  operators: {string.Join(", ", operators)}");
            return 0;
        }
        catch (EdgeMLException e)
        {
            output.WriteLine(e.Diagnostic.ToString());
            return 1;
        }
    }
}
