using System.Text;
using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Tests.Recipes;

/// <summary>
/// Whatever the text, the parser either returns a recipe or throws an <see cref="EdgeMLException"/> that points
/// at a line and column: never a YamlDotNet or runtime exception.
/// </summary>
[TestClass]
public sealed class RecipeParserRobustnessTests
{
    private const string Seed = """
        version: 1
        model: digits.onnx
        class: DigitClassifier
        labels: [zero, one, two]
        steps:
          - quantize:
              activations: uint8
              ops: [MatMul, Gemm]
              exclude: [fc3]
              calibration: { data: calib.csv, samples: 64 }
        validation:
          data: &data digits-test.csv
          features: [p0, p1]
        gates:
          accuracy: { min: 0.95, max_drop: 0.01 }
          size: { max: 300KB, max_ratio: 0.3 }
          latency: { p95_max: 5ms }
        """;

    private const string Noise = "[]{}:-,'\"&*!|>#?%@` \n\t\\0.ab";

    [TestMethod]
    public void RandomEditsOfAValidRecipeFailOnlyWithLocatedDiagnostics()
    {
        using var folder = new RecipeFolder();
        var random = new Random(20250101);
        for (var i = 0; i < 3000; i++)
        {
            var text = Mutate(Seed, random);
            try
            {
                folder.Parse(text);
            }
            catch (EdgeMLException e)
            {
                Assert.IsGreaterThanOrEqualTo(1, e.Diagnostic.Location?.Line ?? 0, $"no line for: {e.Diagnostic}\n{text}");
                Assert.IsGreaterThanOrEqualTo(1, e.Diagnostic.Location?.Column ?? 0, $"no column for: {e.Diagnostic}\n{text}");
            }
        }
    }

    private static string Mutate(string text, Random random)
    {
        var builder = new StringBuilder(text);
        for (var edits = random.Next(1, 4); edits > 0; edits--)
        {
            var at = random.Next(builder.Length);
            switch (random.Next(3))
            {
                case 0:
                    builder.Remove(at, 1);
                    break;
                case 1:
                    builder.Insert(at, Noise[random.Next(Noise.Length)]);
                    break;
                default:
                    builder[at] = Noise[random.Next(Noise.Length)];
                    break;
            }
        }

        return builder.ToString();
    }
}
