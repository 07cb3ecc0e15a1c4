using EdgeML.Engine.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EdgeML.Engine.Recipes;

/// <summary>Turns recipe text into its YAML tree, reporting malformed YAML as <see cref="DiagnosticCodes.RecipeSyntax"/> errors.</summary>
internal static class RecipeYaml
{
    /// <summary>How YamlDotNet words a repeated key; the only way to tell that error from other syntax errors.</summary>
    private const string DuplicateKeyMessage = "Duplicate key ";

    /// <summary>The root node of the recipe's only YAML document.</summary>
    public static RecipeNode LoadRoot(string yamlText, string file)
    {
        var scanner = new Scanner(new StringReader(yamlText));
        var stream = new YamlStream();
        try
        {
            stream.Load(new AliasCheckingParser(new Parser(scanner), file));
        }
        catch (YamlException e) when (e.Message.StartsWith(DuplicateKeyMessage, StringComparison.Ordinal))
        {
            var key = e.Message[DuplicateKeyMessage.Length..];
            throw new EdgeMLException(DiagnosticCodes.RecipeDuplicate, $"the key '{key}' appears twice in the same mapping", At(file, e.Start));
        }
        catch (YamlException e)
        {
            // Some errors (a tab used for indentation) come without a mark; the scanner stopped at the problem.
            var mark = e.Start.Equals(Mark.Empty) ? scanner.CurrentPosition : e.Start;
            throw new EdgeMLException(DiagnosticCodes.RecipeSyntax, $"invalid YAML: {e.Message}", At(file, mark));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet 16 throws these instead of a YamlException on some malformed flow collections
            // ("a: [1, 2" followed by more keys); the scanner still knows where it stopped.
            throw new EdgeMLException(DiagnosticCodes.RecipeSyntax, "invalid YAML: cannot read past this point (check brackets, quotes and indentation)", At(file, scanner.CurrentPosition));
        }

        return stream.Documents switch
        {
            [] => throw new EdgeMLException(DiagnosticCodes.RecipeMissingKey, "the recipe is empty; it needs at least 'model: <file>.onnx'", new SourceLocation(file, 1, 1)),
            [var document] => new RecipeNode(document.RootNode, "", file),
            [_, var second, ..] => throw new EdgeMLException(DiagnosticCodes.RecipeSyntax, "a recipe is a single YAML document, but a second one starts here", At(file, second.RootNode.Start)),
        };
    }

    /// <summary>YamlDotNet's marks are 1-based, like <see cref="SourceLocation"/>.</summary>
    public static SourceLocation At(string file, Mark mark) => new(file, (int)mark.Line, (int)mark.Column);
}
