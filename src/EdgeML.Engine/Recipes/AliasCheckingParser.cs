using EdgeML.Engine.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EdgeML.Engine.Recipes;

/// <summary>
/// Passes YAML parser events through, failing at an alias that names no anchor defined before it. YamlDotNet
/// reports that mistake without a location, as it resolves aliases only once the whole document is read.
/// </summary>
internal sealed class AliasCheckingParser(IParser inner, string file) : IParser
{
    private readonly HashSet<string> anchors = [];

    public ParsingEvent? Current => inner.Current;

    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }

        switch (inner.Current)
        {
            case DocumentStart:
                anchors.Clear();
                break;
            case AnchorAlias alias when !anchors.Contains(alias.Value.Value):
                throw new EdgeMLException(DiagnosticCodes.RecipeSyntax, $"the alias '*{alias.Value}' refers to no anchor '&{alias.Value}' defined before it", RecipeYaml.At(file, alias.Start));
            case NodeEvent { Anchor.IsEmpty: false } node:
                anchors.Add(node.Anchor.Value);
                break;
        }

        return true;
    }
}
