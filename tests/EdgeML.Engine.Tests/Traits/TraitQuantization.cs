using EdgeML.Engine.Data;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx;
using EdgeML.Engine.Onnx.Preparation;
using EdgeML.Engine.Pipeline;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Tests.Traits;

/// <summary>
/// Runs one quantize step on a model file the way the worker and <see cref="RecipeOptimizer"/> do: read the file
/// (external data included), prepare the graph once, then the step through <c>CompressionSteps</c>, calibrating
/// static steps on the given samples.
/// </summary>
internal static class TraitQuantization
{
    public static readonly SourceLocation StepLine = new("trait.edgeml.yaml", 4, 5);

    public static CompressedModel Quantize(string modelPath, QuantizationMode mode, LabeledDataset calibration)
    {
        var step = new QuantizeStep(StepLine, mode == QuantizationMode.WeightOnly ? WeightType.Int4 : WeightType.Int8, ActivationType.Int8,
            PerChannel: true, QuantizeStep.DefaultOpTypesFor(mode), [], null) { Mode = mode };
        var recipe = new Recipe("trait.edgeml.yaml", new Located<string>(modelPath, StepLine), null, null, null, [step], null, new GateSpec(null, null, null, null));
        var (prepared, _) = GraphPreparation.Prepare(OnnxModelFile.Load(modelPath, StepLine));
        return new CompressionSteps(recipe, (calibration, StepLine), new PhaseTimings()).Run(prepared, [step]);
    }
}
