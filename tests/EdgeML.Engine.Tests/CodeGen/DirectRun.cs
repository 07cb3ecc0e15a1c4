using EdgeML.Engine.Onnx.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.Tests.CodeGen;

/// <summary>Runs a model with ONNX Runtime's own API: the reference that EdgeML's results must match exactly.</summary>
internal static class DirectRun
{
    /// <summary>All outputs, as arrays, for inputs given in model order; the inputs are disposed.</summary>
    public static Array[] Outputs(ModelProto model, params OrtValue[] inputs)
    {
        try
        {
            using var session = new InferenceSession(model.Bytes());
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, session.InputNames, inputs, session.OutputNames);
            return outputs.Select(ToArray).ToArray();
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }

    public static OrtValue Tensor<T>(T[] data, params long[] shape)
        where T : unmanaged => OrtValue.CreateTensorValueFromMemory(data, shape);

    public static OrtValue Halves(Half[] data, params long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(data.Select(half => new Float16(BitConverter.HalfToUInt16Bits(half))).ToArray(), shape);

    public static OrtValue Strings(string[] data, params long[] shape)
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        for (var i = 0; i < data.Length; i++)
        {
            value.StringTensorSetElementAt(data[i].AsSpan(), i);
        }

        return value;
    }

    private static Array ToArray(OrtValue value) => value.GetTensorTypeAndShape().ElementDataType switch
    {
        TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
        TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray(),
        TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray(),
        TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray(),
        TensorElementType.Float16 => value.GetTensorDataAsSpan<Float16>().ToArray().Select(half => BitConverter.UInt16BitsToHalf(half.value)).ToArray(),
        TensorElementType.String => value.GetStringTensorAsArray(),
        var other => throw new NotSupportedException($"{other} outputs"),
    };
}
