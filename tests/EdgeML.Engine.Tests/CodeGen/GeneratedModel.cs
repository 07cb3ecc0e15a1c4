using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Onnx.Protobuf;

namespace EdgeML.Engine.Tests.CodeGen;

/// <summary>Generates the inference class for a test model and runs it as a consumer would.</summary>
internal static class GeneratedModel
{
    public const string Namespace = "Sample.Models";
    public const string ClassName = "TestModel";

    public static InferenceClassSpec Spec(ModelProto model, IReadOnlyList<string>? labels = null, string className = ClassName) =>
        new(className, Namespace, "EdgeML/test.onnx", ModelSignature.FromModel(model), labels, "test");

    /// <summary>
    /// Compiles the generated class with a harness whose <c>Run(object[] inputs)</c> creates the model and runs
    /// <paramref name="body"/>, statements over <c>model</c> and <c>inputs</c> that return the result; embeds the
    /// model; runs the harness.
    /// </summary>
    public static object Run(ModelProto model, IReadOnlyList<string>? labels, string body, params object[] inputs) =>
        Run(model, labels, body, [], inputs);

    /// <summary>As <see cref="Run(ModelProto, IReadOnlyList{string}?, string, object[])"/>, embedding <paramref name="extraResources"/> beside the model.</summary>
    public static object Run(ModelProto model, IReadOnlyList<string>? labels, string body, IReadOnlyList<(string Name, byte[] Bytes)> extraResources, params object[] inputs)
    {
        var spec = Spec(model, labels);
        var harness = $$"""
            internal static class Harness
            {
                public static object Run(object[] inputs)
                {
                    using var model = global::{{Namespace}}.{{ClassName}}.Create();
                    {{body}}
                }
            }
            """;
        var compilation = CSharpCompiler.Compile(InferenceClassGenerator.Generate(spec), harness);
        Assert.IsEmpty(compilation.VisibleDiagnostics(), string.Join(Environment.NewLine, compilation.VisibleDiagnostics()));

        var assembly = compilation.Load([(spec.ResourceName, model.Bytes()), .. extraResources]);
        return assembly.GetType("Harness")!.GetMethod("Run")!.Invoke(null, [inputs])!;
    }

    /// <summary>A property of a generated <c>Result</c>.</summary>
    public static object Property(this object result, string name) => result.GetType().GetProperty(name)!.GetValue(result)!;
}
