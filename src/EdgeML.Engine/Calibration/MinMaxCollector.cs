using System.Numerics.Tensors;
using EdgeML.Engine.Quantization;

namespace EdgeML.Engine.Calibration;

/// <summary><c>method: minmax</c>: the observed minimum and maximum, so no value is ever clipped.</summary>
public sealed class MinMaxCollector : IRangeCollector
{
    private TensorRange _range = TensorRange.Empty;

    public void Add(ReadOnlySpan<float> values)
    {
        if (!values.IsEmpty)
        {
            _range = _range.Include(TensorPrimitives.Min(values), TensorPrimitives.Max(values));
        }
    }

    public TensorRange Range() => _range;
}
