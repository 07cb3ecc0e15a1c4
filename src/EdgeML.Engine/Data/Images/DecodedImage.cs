using EdgeML.Engine.Recipes;

namespace EdgeML.Engine.Data.Images;

/// <summary>An image's pixels as bytes, row by row, <see cref="Components"/> interleaved bytes per pixel.</summary>
public sealed record DecodedImage(int Width, int Height, int Components, byte[] Pixels)
{
    public ImageSize Size => new(Height, Width);

    /// <summary>The value of one component of the pixel at <paramref name="row"/>, <paramref name="column"/>.</summary>
    public byte At(int row, int column, int component) => Pixels[(((row * Width) + column) * Components) + component];
}
