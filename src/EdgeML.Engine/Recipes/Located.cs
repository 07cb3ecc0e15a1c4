using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Recipes;

/// <summary>A recipe value together with where it was written, so that errors about it point at that line.</summary>
public readonly record struct Located<T>(T Value, SourceLocation Location);
