using System.Numerics.Tensors;

namespace EdgeML.Engine.Pruning.Structured;

/// <summary>Solves A·x = b for a symmetric positive definite A through its Cholesky factor A = L·Lᵀ, factored once.</summary>
internal sealed class CholeskySolver
{
    private readonly double[][] _lower;

    private CholeskySolver(double[][] lower) => _lower = lower;

    /// <summary>Factors <paramref name="matrix"/> (only its lower triangle is read).</summary>
    /// <exception cref="InvalidOperationException">The matrix is not positive definite.</exception>
    public static CholeskySolver Factor(double[][] matrix)
    {
        var n = matrix.Length;
        var lower = new double[n][];
        for (var i = 0; i < n; i++)
        {
            lower[i] = new double[n];
            for (var j = 0; j <= i; j++)
            {
                var value = matrix[i][j] - TensorPrimitives.Dot<double>(lower[i].AsSpan(0, j), lower[j].AsSpan(0, j));
                if (i == j)
                {
                    if (!(value > 0))
                    {
                        throw new InvalidOperationException($"the matrix is not positive definite (pivot {i} is {value})");
                    }

                    lower[i][i] = Math.Sqrt(value);
                }
                else
                {
                    lower[i][j] = value / lower[j][j];
                }
            }
        }

        return new CholeskySolver(lower);
    }

    public double[] Solve(ReadOnlySpan<double> rhs)
    {
        var n = _lower.Length;
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            y[i] = (rhs[i] - TensorPrimitives.Dot<double>(_lower[i].AsSpan(0, i), y.AsSpan(0, i))) / _lower[i][i];
        }

        // Back substitution with Lᵀ walks L by columns.
        var x = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= _lower[k][i] * x[k];
            }

            x[i] = sum / _lower[i][i];
        }

        return x;
    }
}
