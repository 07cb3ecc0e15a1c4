namespace EdgeML.Engine.Quantization.WeightOnly;

/// <summary>
/// Packs unsigned codes the way MatMulNBits reads them: row by row, each row padded to whole bytes, and within
/// a byte the earlier code in the low bits (two int4 codes per byte: element 2i in bits 0–3, 2i+1 in bits 4–7).
/// </summary>
internal static class NBitsPacker
{
    public static int BytesPerRow(int codesPerRow, int bits) => ((codesPerRow * bits) + 7) / 8;

    public static byte[] Pack(ReadOnlySpan<byte> codes, int rows, int bits)
    {
        var codesPerRow = codes.Length / rows;
        var rowBytes = BytesPerRow(codesPerRow, bits);
        var perByte = 8 / bits;
        var packed = new byte[rows * rowBytes];
        for (var row = 0; row < rows; row++)
        {
            for (var i = 0; i < codesPerRow; i++)
            {
                packed[(row * rowBytes) + (i / perByte)] |= (byte)(codes[(row * codesPerRow) + i] << (bits * (i % perByte)));
            }
        }

        return packed;
    }
}
