namespace EdgeML.Engine.Data;

/// <summary>A numeric array read from a <c>.npy</c> file, its values widened to float in C (row-major) order.</summary>
public sealed record NpyArray(IReadOnlyList<int> Shape, float[] Values);
