namespace EdgeML.Runtime;

/// <summary>
/// Computes an output without the model, e.g. a rule of thumb or a cached answer, when a run fails and no
/// fallback model can stand in. See <see cref="EdgeMLSession.Run{TIn, TOut}(int, ReadOnlySpan{TIn}, ReadOnlySpan{long}, int, Span{TOut}, ReadOnlySpan{long}, EdgeMLFallback{TIn, TOut}?)"/>.
/// </summary>
/// <typeparam name="TIn">The input's element type.</typeparam>
/// <typeparam name="TOut">The output's element type.</typeparam>
/// <param name="input">The input the failed run was given.</param>
/// <param name="output">The buffer to write the output into.</param>
public delegate void EdgeMLFallback<TIn, TOut>(ReadOnlySpan<TIn> input, Span<TOut> output);
