using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeML.Engine.CodeGen;

/// <summary>The inputs and outputs a model's callers see, in the order ONNX Runtime reports them.</summary>
public sealed record ModelSignature(IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs)
{
    /// <summary>
    /// Reads the signature of a model. Inputs that an initializer backs are not inputs to callers: models before
    /// IR version 4 had to list every initializer among the graph inputs, and ONNX Runtime leaves them out too.
    /// </summary>
    /// <exception cref="EdgeMLException">The model has no outputs, or an input or output is not a tensor, has no shape, or has an element type generated code does not support.</exception>
    public static ModelSignature FromModel(ModelProto model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(tensor => tensor.Name)
            .Concat(graph.SparseInitializer.Select(sparse => sparse.Values.Name))
            .ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(input => !initializers.Contains(input.Name)).ToList();
        var outputs = graph.Output.ToList();
        if (outputs.Count == 0)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, "the model has no outputs");
        }

        var softmaxOutputs = graph.Node
            .Where(node => node.OpType == "Softmax" && node.Domain is "" or "ai.onnx")
            .SelectMany(node => node.Output)
            .ToHashSet(StringComparer.Ordinal);
        var names = CSharpNames.MakeUnique(inputs.Concat(outputs).Select(value => CSharpNames.ToPascalCase(value.Name)), InferenceClassGenerator.ReservedTensorNames);

        return new ModelSignature(
            inputs.Select((input, i) => ReadTensor("input", input, names[i])).ToList(),
            outputs.Select((output, i) => ReadTensor("output", output, names[inputs.Count + i]) with { HoldsProbabilities = softmaxOutputs.Contains(output.Name) }).ToList());
    }

    private static TensorSignature ReadTensor(string kind, ValueInfoProto value, string csharpName)
    {
        if (value.Type?.TensorType is not { } tensorType)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"model {kind} '{value.Name}' is {Describe(value.Type)}; generated classes take and return tensors only");
        }

        var elementType = (TensorElementType)tensorType.ElemType;
        if (CSharpTypeNames.Of(elementType) is null)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"model {kind} '{value.Name}' has element type {(TensorProto.Types.DataType)tensorType.ElemType}, which generated classes do not support");
        }

        if (tensorType.Shape is null)
        {
            throw new EdgeMLException(DiagnosticCodes.ModelUnsupported, $"model {kind} '{value.Name}' declares no shape; generated classes need at least the number of dimensions");
        }

        var shape = tensorType.Shape.Dim.Select(dim => dim.HasDimValue
            ? TensorDimension.Fixed(dim.DimValue)
            : TensorDimension.Dynamic(dim.HasDimParam && dim.DimParam.Length > 0 ? dim.DimParam : null)).ToList();
        return new TensorSignature(value.Name, csharpName, elementType, shape);
    }

    private static string Describe(TypeProto? type) => type?.ValueCase switch
    {
        TypeProto.ValueOneofCase.SequenceType => "a sequence",
        TypeProto.ValueOneofCase.MapType => "a map",
        TypeProto.ValueOneofCase.OptionalType => "an optional",
        TypeProto.ValueOneofCase.SparseTensorType => "a sparse tensor",
        _ => "of no known type",
    };
}
