using EdgeML.Engine.CodeGen;
using EdgeML.Engine.Data;
using EdgeML.Engine.Data.Images;
using EdgeML.Engine.Diagnostics;
using EdgeML.Engine.Onnx.Protobuf;
using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Pipeline;

/// <summary>
/// Reads a recipe's validation and calibration data: files by their format (<see cref="DatasetReader"/>), folders of
/// images (<see cref="ImageFolderReader"/>) with the recipe's preprocessing settled against the model's input.
/// </summary>
internal static class RecipeData
{
    /// <summary>The validation data, at most <see cref="ValidationSpec.Samples"/> of it.</summary>
    public static (LabeledDataset Data, SourceLocation Location) Validation(ValidationSpec spec, Recipe recipe, ModelProto model)
    {
        var data = spec.Data;
        if (Directory.Exists(data.Value))
        {
            // Images are in class order: the first N would cover a few classes only, so a seeded sample stands in.
            var transform = Transform(spec.Preprocess ?? new ImagePreprocessing(data.Location), model);
            return (ImageFolderReader.Read(data.Value, transform, labeled: true, recipe.Labels?.Value, spec.Samples?.Value, seed: 0, data.Location), data.Location);
        }

        var rows = DatasetReader.Read(data.Value, spec.LabelColumnName, labelRequired: true, spec.FeatureColumns?.Value, recipe.Labels?.Value, data.Location);
        return (spec.Samples is { } samples ? rows.Take(samples.Value) : rows, data.Location);
    }

    /// <summary>The calibration data: <see cref="CalibrationSpec.Samples"/> of it, picked with its seed.</summary>
    /// <param name="spec">The step's calibration.</param>
    /// <param name="recipe">The recipe, whose validation section says how CSV calibration files are laid out.</param>
    /// <param name="model">The model the step calibrates, whose input the images are shaped for.</param>
    public static LabeledDataset Calibration(CalibrationSpec spec, Recipe recipe, ModelProto model)
    {
        var data = spec.Data;
        return Directory.Exists(data.Value)
            ? ImageFolderReader.Read(data.Value, Transform(spec.Preprocess ?? new ImagePreprocessing(data.Location), model), labeled: false, labelNames: null, spec.Samples, spec.Seed, data.Location)
            : DatasetReader.Read(data.Value, recipe.Validation?.LabelColumnName ?? ValidationSpec.DefaultLabelColumn, labelRequired: false,
                recipe.Validation?.FeatureColumns?.Value, recipe.Labels?.Value, data.Location).Sample(spec.Samples, spec.Seed);
    }

    private static ImageTransform Transform(ImagePreprocessing preprocess, ModelProto model) =>
        ImageTransform.Resolve(preprocess, ModelSignature.FromModel(model).Inputs is [var input] ? input : null);
}
