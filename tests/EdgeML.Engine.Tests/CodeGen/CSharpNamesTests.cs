using EdgeML.Engine.CodeGen;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeML.Engine.Tests.CodeGen;

[TestClass]
public sealed class CSharpNamesTests
{
    [TestMethod]
    [DataRow("input.1", "Input1", "input1")]
    [DataRow("Plus214_Output_0", "Plus214Output0", "plus214Output0")]
    [DataRow("input_0", "Input0", "input0")]
    [DataRow("0", "Value0", "value0")]
    [DataRow("", "Value", "value")]
    [DataRow("...", "Value", "value")]
    [DataRow("class", "Class", "@class")]
    [DataRow("int", "Int", "@int")]
    [DataRow("input_ids", "InputIds", "inputIds")]
    [DataRow("conv1/weights:0", "Conv1Weights0", "conv1Weights0")]
    [DataRow("__x", "X", "x")]
    [DataRow("IOData", "IOData", "ioData")]
    [DataRow("URL", "URL", "url")]
    [DataRow("value", "Value", "value")]
    [DataRow("пиксели", "Пиксели", "пиксели")]
    public void ConvertsOnnxNames(string onnxName, string pascal, string camel)
    {
        Assert.AreEqual(pascal, CSharpNames.ToPascalCase(onnxName));
        Assert.AreEqual(camel, CSharpNames.ToCamelCase(onnxName));
    }

    [TestMethod]
    public void EscapesEveryReservedKeyword()
    {
        var keywords = SyntaxFacts.GetReservedKeywordKinds().Select(SyntaxFacts.GetText).Where(text => text.All(char.IsAsciiLetterLower)).ToList();

        Assert.IsNotEmpty(keywords);
        foreach (var keyword in keywords)
        {
            Assert.AreEqual("@" + keyword, CSharpNames.ToCamelCase(keyword), keyword);
        }
    }

    [TestMethod]
    [DataRow("input.1")]
    [DataRow("9lives")]
    [DataRow("a-b c")]
    [DataRow("\u0301accent")]
    [DataRow("日本語")]
    [DataRow("while")]
    public void ProducesIdentifiersRoslynAccepts(string onnxName)
    {
        foreach (var name in new[] { CSharpNames.ToPascalCase(onnxName), CSharpNames.ToCamelCase(onnxName) })
        {
            var identifier = name.TrimStart('@');
            Assert.IsTrue(SyntaxFacts.IsValidIdentifier(identifier), name);
            Assert.AreEqual(name.StartsWith('@'), SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None, name);
        }
    }

    [TestMethod]
    public void MakesNamesUniqueDeterministically()
    {
        var names = CSharpNames.MakeUnique(["Input1", "Input1", "Result", "Input1_2"], reserved: ["Result"]);

        CollectionAssert.AreEqual(new[] { "Input1", "Input1_2", "Result_2", "Input1_2_2" }, names.ToArray());
    }

    [TestMethod]
    [DataRow("Digits", true)]
    [DataRow("_digits", true)]
    [DataRow("Модель2", true)]
    [DataRow("", false)]
    [DataRow("2Digits", false)]
    [DataRow("class", false)]
    [DataRow("@class", false)]
    [DataRow("my-model", false)]
    [DataRow("My Model", false)]
    [DataRow("My.Model", false)]
    public void ValidatesIdentifiersLikeRoslyn(string name, bool valid)
    {
        Assert.AreEqual(valid, CSharpNames.IsValidIdentifier(name));
        Assert.AreEqual(valid, SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None);
    }

    [TestMethod]
    [DataRow("MyApp", true)]
    [DataRow("MyApp.Models.V2", true)]
    [DataRow("", false)]
    [DataRow("MyApp..Models", false)]
    [DataRow(".MyApp", false)]
    [DataRow("MyApp.", false)]
    [DataRow("MyApp.class", false)]
    [DataRow("My App", false)]
    public void ValidatesNamespaces(string name, bool valid) => Assert.AreEqual(valid, CSharpNames.IsValidNamespace(name));
}
