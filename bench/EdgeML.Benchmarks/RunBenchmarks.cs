namespace EdgeML.Benchmarks;

/// <summary>The digits sample model with default session options: EdgeML's span run against ONNX Runtime's pre-bound run.</summary>
public class RunBenchmarks : BindingComparison
{
    /// <summary>The model: <c>float</c> as shipped, <c>int8</c> as the engine compresses it.</summary>
    [BenchmarkDotNet.Attributes.Params("float", "int8")]
    public string Model { get; set; } = "float";

    protected override (byte[] Model, float[] Input, int OutputLength, int? IntraOpThreads) Subject() =>
        (DigitsModels.Bytes(Model), DigitsModels.Sample(0), 10, null);
}
