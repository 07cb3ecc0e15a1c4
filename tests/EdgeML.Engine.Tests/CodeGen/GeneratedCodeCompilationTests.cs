using EdgeML.Engine.CodeGen;

namespace EdgeML.Engine.Tests.CodeGen;

/// <summary>The generated class must build warning-free in the strictest consumer project.</summary>
[TestClass]
public sealed class GeneratedCodeCompilationTests
{
    [TestMethod]
    [DataRow(nameof(TestModels.Classifier))]
    [DataRow(nameof(TestModels.SoftmaxClassifier))]
    [DataRow(nameof(TestModels.InitializersAsInputs))]
    [DataRow(nameof(TestModels.TwoInputsTwoOutputs))]
    [DataRow(nameof(TestModels.AwkwardNames))]
    [DataRow(nameof(TestModels.DynamicImage))]
    [DataRow(nameof(TestModels.Sequence))]
    [DataRow(nameof(TestModels.Strings))]
    [DataRow(nameof(TestModels.MixedTypes))]
    public void CompilesWithoutDiagnostics(string model)
    {
        foreach (var labels in new[] { null, TestModels.ClassifierLabels })
        {
            var compilation = CSharpCompiler.Compile(InferenceClassGenerator.Generate(GeneratedModel.Spec(TestModels.ByName(model), labels)));

            Assert.IsEmpty(compilation.VisibleDiagnostics(), string.Join(Environment.NewLine, compilation.VisibleDiagnostics()));
        }
    }

    [TestMethod]
    public void CompilesTextThatNeedsEscaping()
    {
        var spec = GeneratedModel.Spec(TestModels.Classifier(), ["say \"hi\"", "back\\slash", "two\nlines"]) with
        {
            RecipeId = "odd\nrecipe <&>",
            ResourceName = "EdgeML/odd \"name\".onnx",
        };

        var compilation = CSharpCompiler.Compile(InferenceClassGenerator.Generate(spec));

        Assert.IsEmpty(compilation.VisibleDiagnostics(), string.Join(Environment.NewLine, compilation.VisibleDiagnostics()));
    }

    // Guards the guard: a public type without documentation must fail, or the tests above prove nothing.
    [TestMethod]
    public void TheCompilerReportsWhatAStrictConsumerWouldReject()
    {
        var compilation = CSharpCompiler.Compile("namespace N { public class Undocumented { public string Name = null; } }");

        var diagnostics = compilation.VisibleDiagnostics();

        Assert.IsTrue(diagnostics.Any(d => d.Contains("CS1591", StringComparison.Ordinal)), string.Join(Environment.NewLine, diagnostics));
        Assert.IsTrue(diagnostics.Any(d => d.Contains("CS8625", StringComparison.Ordinal)), string.Join(Environment.NewLine, diagnostics));
    }
}
