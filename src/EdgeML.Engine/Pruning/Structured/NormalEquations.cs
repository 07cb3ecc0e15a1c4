using System.Numerics.Tensors;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>
/// Running sums for the least squares y ≈ W·x + b over rows added batch by batch (XᵀX, XᵀY, the means and Σy²),
/// so memory depends on the layer's width, not on the amount of data; solved with ridge regularization.
/// </summary>
internal sealed class NormalEquations
{
    private readonly int _inputs;
    private readonly int _outputs;
    private readonly double[][] _gram;
    private readonly double[][] _cross;
    private readonly double[] _sumX;
    private readonly double[] _sumY;
    private readonly double[] _sumY2;

    public NormalEquations(int inputs, int outputs)
    {
        _inputs = inputs;
        _outputs = outputs;
        _gram = Enumerable.Range(0, inputs).Select(_ => new double[inputs]).ToArray();
        _cross = Enumerable.Range(0, inputs).Select(_ => new double[outputs]).ToArray();
        _sumX = new double[inputs];
        _sumY = new double[outputs];
        _sumY2 = new double[outputs];
    }

    public long Rows { get; private set; }

    /// <summary>Adds <paramref name="rows"/> rows, stored feature by feature: x[i·rows + r], y[m·rows + r].</summary>
    public void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int rows)
    {
        for (var i = 0; i < _inputs; i++)
        {
            var xi = x.Slice(i * rows, rows);
            _sumX[i] += TensorPrimitives.Sum(xi);
            for (var j = 0; j <= i; j++)
            {
                _gram[i][j] += TensorPrimitives.Dot(xi, x.Slice(j * rows, rows));
            }

            for (var m = 0; m < _outputs; m++)
            {
                _cross[i][m] += TensorPrimitives.Dot(xi, y.Slice(m * rows, rows));
            }
        }

        for (var m = 0; m < _outputs; m++)
        {
            var ym = y.Slice(m * rows, rows);
            _sumY[m] += TensorPrimitives.Sum(ym);
            _sumY2[m] += TensorPrimitives.Dot(ym, ym);
        }

        Rows += rows;
    }

    /// <summary>
    /// The ridge solution, one output at a time with one factorization: λ = <paramref name="ridge"/> × the mean
    /// diagonal of the (centred, with an intercept) Gram matrix. The intercept then absorbs the remaining mean shift.
    /// </summary>
    public (double[][] Weights, double[] Bias) Solve(double ridge, bool intercept)
    {
        var meanX = Mean(_sumX);
        var meanY = Mean(_sumY);
        var matrix = new double[_inputs][];
        for (var i = 0; i < _inputs; i++)
        {
            matrix[i] = new double[_inputs];
            for (var j = 0; j <= i; j++)
            {
                matrix[i][j] = (_gram[i][j] / Rows) - (intercept ? meanX[i] * meanX[j] : 0);
            }
        }

        var lambda = Math.Max(ridge * Enumerable.Range(0, _inputs).Average(i => matrix[i][i]), 1e-12);
        for (var i = 0; i < _inputs; i++)
        {
            matrix[i][i] += lambda;
        }

        var solver = CholeskySolver.Factor(matrix);
        var weights = new double[_outputs][];
        var bias = new double[_outputs];
        var rhs = new double[_inputs];
        for (var m = 0; m < _outputs; m++)
        {
            for (var i = 0; i < _inputs; i++)
            {
                rhs[i] = (_cross[i][m] / Rows) - (intercept ? meanX[i] * meanY[m] : 0);
            }

            weights[m] = solver.Solve(rhs);
            bias[m] = intercept ? meanY[m] - TensorPrimitives.Dot<double>(weights[m], meanX) : 0;
        }

        return (weights, bias);
    }

    /// <summary>Mean squared error of y ≈ W·x + b over the added rows and all outputs, from the sums alone.</summary>
    public double MeanSquaredError(double[][] weights, double[] bias)
    {
        var meanX = Mean(_sumX);
        var total = 0.0;
        var gramW = new double[_inputs];
        for (var m = 0; m < _outputs; m++)
        {
            var w = weights[m];
            for (var i = 0; i < _inputs; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < _inputs; j++)
                {
                    sum += (j <= i ? _gram[i][j] : _gram[j][i]) * w[j];
                }

                gramW[i] = sum / Rows;
            }

            var crossW = 0.0;
            for (var i = 0; i < _inputs; i++)
            {
                crossW += _cross[i][m] * w[i];
            }

            var b = bias[m];
            var meanY = _sumY[m] / Rows;
            // E[(y − w·x − b)²] expanded into the running moments.
            total += (_sumY2[m] / Rows) - (2 * crossW / Rows) - (2 * b * meanY) + TensorPrimitives.Dot<double>(w, gramW)
                + (2 * b * TensorPrimitives.Dot<double>(w, meanX)) + (b * b);
        }

        return Math.Max(total / _outputs, 0);
    }

    private double[] Mean(double[] sums) => sums.Select(s => s / Rows).ToArray();
}
