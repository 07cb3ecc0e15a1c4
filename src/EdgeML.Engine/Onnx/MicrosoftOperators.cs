using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Onnx;

/// <summary>ONNX Runtime's contrib operator domain, which rewrites to its integer and packed kernels use.</summary>
public static class MicrosoftOperators
{
    public const string Domain = "com.microsoft";

    /// <summary>Adds the domain's opset import unless the model already has one.</summary>
    public static void Import(ModelProto model)
    {
        if (!model.OpsetImport.Any(o => o.Domain == Domain))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = Domain, Version = 1 });
        }
    }
}
