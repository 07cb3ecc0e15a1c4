using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;

namespace Digits.Trainer;

/// <summary>Builds the ONNX model of a trained <see cref="Mlp"/>: input <c>pixels</c> [N, 784], one Gemm per layer
/// (transB=1, weights [out, in] as PyTorch exports Linear), Relu between, output <c>scores</c> [N, 10] of raw logits.</summary>
internal static class OnnxExporter
{
    public const string InputName = "pixels";
    public const string OutputName = "scores";

    public static ModelProto Export(Mlp network)
    {
        var graph = new GraphProto { Name = "digits", DocString = "Handwritten digit classifier: 28x28 pixels in [0, 1], row-major, to one score per digit 0-9." };
        graph.Input.Add(Nodes.TensorValueInfo(InputName, TensorProto.Types.DataType.Float, [null, network.Layers[0].Inputs]));
        graph.Output.Add(Nodes.TensorValueInfo(OutputName, TensorProto.Types.DataType.Float, [null, network.OutputCount]));

        var current = InputName;
        for (var i = 0; i < network.Layers.Count; i++)
        {
            var layer = network.Layers[i];
            var isLast = i == network.Layers.Count - 1;
            var weights = $"{layer.Name}.weight";
            var bias = $"{layer.Name}.bias";
            graph.Initializer.Add(Tensors.FromFloats(weights, [layer.Outputs, layer.Inputs], layer.Weights));
            graph.Initializer.Add(Tensors.FromFloats(bias, [layer.Outputs], layer.Bias));

            var gemmOutput = isLast ? OutputName : $"{layer.Name}.out";
            graph.Node.Add(Nodes.Create("Gemm", [current, weights, bias], [gemmOutput], layer.Name, Nodes.Int("transB", 1)));
            current = gemmOutput;

            if (!isLast)
            {
                var relu = $"relu{i + 1}";
                graph.Node.Add(Nodes.Create("Relu", [current], [$"{relu}.out"], relu));
                current = $"{relu}.out";
            }
        }

        var model = new ModelProto { IrVersion = 8, ProducerName = "EdgeML.Build samples", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }
}
