namespace EdgeML.Runtime;

/// <summary>
/// Checks a caller's shape against the model's. Like a reshape, one dimension may be -1: it is inferred from
/// the number of values, so a caller can pass one sample without knowing a dynamic dimension's size.
/// </summary>
internal static class TensorShapes
{
    /// <summary>The concrete shape of <paramref name="length"/> values; throws <see cref="ArgumentException"/> when they do not fit.</summary>
    public static long[] Resolve(TensorInfo tensor, ReadOnlySpan<long> shape, int length, string paramName)
    {
        var resolved = new long[shape.Length];
        Resolve(tensor, shape, length, paramName, resolved);
        return resolved;
    }

    /// <summary>
    /// Writes the concrete shape into <paramref name="resolved"/>, which has room for exactly
    /// <paramref name="shape"/>'s rank, so hot paths can resolve into stack memory without allocating.
    /// </summary>
    public static void Resolve(TensorInfo tensor, ReadOnlySpan<long> shape, int length, string paramName, Span<long> resolved)
    {
        var declared = tensor.Dimensions;
        if (shape.Length != declared.Count)
        {
            throw new ArgumentException($"{tensor.Description} has {declared.Count} dimensions {Format(declared)}; the shape {Format(shape.ToArray())} has {shape.Length}.", paramName);
        }

        shape.CopyTo(resolved);
        var inferred = -1;
        var known = 1L;
        for (var i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1 && declared[i] >= 0)
            {
                resolved[i] = declared[i];
            }

            if (resolved[i] == -1)
            {
                if (inferred >= 0)
                {
                    throw new ArgumentException($"the shape {Format(shape.ToArray())} for {tensor.Description} leaves more than one dynamic dimension to infer; give the size of all but one.", paramName);
                }

                inferred = i;
            }
            else if (resolved[i] < 0 || (declared[i] >= 0 && resolved[i] != declared[i]))
            {
                throw new ArgumentException($"{tensor.Description} has dimensions {Format(declared)}; the shape {Format(shape.ToArray())} does not match them.", paramName);
            }
            else
            {
                known = checked(known * resolved[i]);
            }
        }

        if (inferred >= 0)
        {
            if (known == 0 || length % known != 0)
            {
                throw new ArgumentException($"{length} values do not fill {tensor.Description} of shape {Format(shape.ToArray())}: the count must be a multiple of {known}.", paramName);
            }

            resolved[inferred] = length / known;
        }
        else if (known != length)
        {
            throw new ArgumentException($"{tensor.Description} of shape {Format(resolved.ToArray())} takes {known} values, not {length}.", paramName);
        }
    }

    /// <summary>The shape with each dynamic dimension (-1) set to 1: the smallest input that fills the tensor.</summary>
    public static long[] Smallest(TensorInfo tensor) => tensor.Dimensions.Select(dim => dim < 0 ? 1 : dim).ToArray();

    public static string Format(IEnumerable<long> dimensions) => $"[{string.Join(", ", dimensions)}]";
}
