using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using Google.Protobuf;

namespace EdgeML.Benchmarks;

/// <summary>
/// What <see cref="EdgeML.Runtime.EdgeMLSession"/> adds per call, isolated: a model that does almost nothing (ReLU on
/// four values) on one intra-op thread, so the difference to ONNX Runtime's pre-bound run is EdgeML's own work.
/// </summary>
public class OverheadBenchmarks : BindingComparison
{
    protected override (byte[] Model, float[] Input, int OutputLength, int? IntraOpThreads) Subject() =>
        (ReluModel(), [0.5f, -1f, 2f, -3f], 4, 1);

    private static byte[] ReluModel()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "EdgeML.Benchmarks", Graph = new GraphProto { Name = "relu" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.Graph.Input.Add(Nodes.TensorValueInfo("x", TensorProto.Types.DataType.Float, [null, 4]));
        model.Graph.Output.Add(Nodes.TensorValueInfo("y", TensorProto.Types.DataType.Float, [null, 4]));
        model.Graph.Node.Add(Nodes.Create("Relu", ["x"], ["y"], "relu"));
        return model.ToByteArray();
    }
}
