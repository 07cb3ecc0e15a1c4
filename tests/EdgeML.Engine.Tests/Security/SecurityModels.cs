using EdgeML.Engine.Data;
using EdgeML.Engine.Tests.Support;

namespace EdgeML.Engine.Tests.Security;

/// <summary>A small two-layer model and data for it, shared by the manifest, validation and update tests.</summary>
internal static class SecurityModels
{
    public const int Features = 6;

    public static byte[] Mlp(int seed = 1)
    {
        var builder = new TestModelBuilder(seed);
        var hidden = builder.Relu(builder.Gemm(builder.Input("features", Features), Features, 8));
        var scores = builder.Gemm(hidden, 8, 3, name: "scores");
        builder.Output(scores, 3);
        return builder.BuildBytes();
    }

    public static LabeledDataset Data(int samples = 12) => RandomData.Uniform(samples, Features, min: -1f, max: 1f);
}
