using System.Globalization;
using System.Text;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Support;

/// <summary>Recipes over a test model with validation data of seeded uniform samples in [-1, 1], run end to end.</summary>
internal static class RandomDataRecipes
{
    /// <summary>A recipe with one quantize step (static int8 by default, default ops) and no gates.</summary>
    public static Recipe Quantize(TempDirectory temp, ModelProto model, int sampleLength, int classes)
    {
        var recipePath = temp.Write("model.edgeml.yaml", "# stands in for the recipe text in the cache key\n");
        var modelPath = temp.File("model.onnx");
        OnnxModelFile.Save(model, modelPath);
        var data = RandomData.Uniform(200, sampleLength, seed: 5, min: -1f);
        var csv = new StringBuilder("label," + string.Join(",", Enumerable.Range(0, sampleLength).Select(i => $"f{i}")) + "\n");
        for (var row = 0; row < data.Count; row++)
        {
            csv.Append(row % classes);
            foreach (var value in data.Batch(row, 1).ToArray())
            {
                csv.Append(',').Append(value.ToString("0.####", CultureInfo.InvariantCulture));
            }

            csv.Append('\n');
        }

        var where = new SourceLocation(recipePath, 1, 1);
        var step = new QuantizeStep(new SourceLocation(recipePath, 5, 5), WeightType.Int8, ActivationType.Int8, PerChannel: true, QuantizeStep.DefaultOpTypes, [], null);
        return new Recipe(recipePath, new Located<string>(modelPath, where), null, null, null, [step],
            new ValidationSpec(new Located<string>(temp.Write("data.csv", csv.ToString()), where), null, null, null), GateSpec.None);
    }

    public static OptimizationOutcome Optimize(TempDirectory temp, Recipe recipe)
    {
        var bytes = File.ReadAllBytes(recipe.Model.Value);
        return new RecipeOptimizer(new OptimizationCache(temp.File("cache")))
            .Optimize(recipe, bytes, OnnxModelFile.Parse(bytes, recipe.Model.Value), new OutputLayout(temp.File("out"), recipe.Id));
    }
}
