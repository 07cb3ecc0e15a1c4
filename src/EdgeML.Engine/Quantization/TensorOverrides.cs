using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Quantization;

/// <summary>Checks quantize's <c>overrides</c> against the model: each names a tensor it has, of the right kind.</summary>
internal static class TensorOverrides
{
    public static void Check(GraphIndex graph, QuantizeStep step)
    {
        if (step.Overrides.Count == 0)
        {
            return;
        }

        var tensors = graph.Graph.Input.Select(i => i.Name)
            .Concat(graph.Initializers.Keys)
            .Concat(graph.Graph.Node.SelectMany(n => n.Input.Concat(n.Output)))
            .Where(name => name.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (name, entry) in step.Overrides)
        {
            // An override for a tensor that does not exist is almost always a typo; say so at the override.
            if (!tensors.Contains(name))
            {
                var hint = ClosestName.Find(name, tensors) is { } closest ? $"; did you mean '{closest}'?" : "";
                throw new EdgeMLException(DiagnosticCodes.RecipeInvalidValue, $"'quantize.overrides' names the tensor '{name}', which the model does not have{hint}", entry.Location);
            }

            var isConstant = graph.Initializers.ContainsKey(name);
            if (isConstant && entry.Value.IsForActivation)
            {
                throw new EdgeMLException(DiagnosticCodes.RecipeInvalidValue,
                    $"'quantize.overrides' sets range or type for '{name}', which is a constant (a weight); only per_channel applies to weights", entry.Location);
            }

            if (!isConstant && entry.Value.PerChannel is not null)
            {
                throw new EdgeMLException(DiagnosticCodes.RecipeInvalidValue,
                    $"'quantize.overrides' sets per_channel for '{name}', which is an activation; per_channel applies to weights (range and type to activations)", entry.Location);
            }
        }
    }
}
