using System.IO.Compression;
using System.Text;

namespace EdgeML.Engine.Tests.Support;

/// <summary>Writes .npy files (NEP 1) and .npz archives the way NumPy does, for reader tests.</summary>
internal static class NpyWriter
{
    /// <param name="descr">NumPy's type string, e.g. '&lt;f4'.</param>
    /// <param name="shape">The array's shape.</param>
    /// <param name="data">The raw values, already in that type.</param>
    /// <param name="major">Format version 1 (2-byte header length) or 2 (4-byte).</param>
    /// <param name="header">The dict literal to write instead of the one built from the other arguments.</param>
    public static byte[] Array(string descr, int[] shape, byte[] data, int major = 1, string? header = null)
    {
        var dimensions = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        header ??= $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dimensions}), }}";
        var lengthBytes = major == 1 ? 2 : 4;
        // NumPy pads the header with spaces and a newline so that the data starts at a multiple of 64.
        var unpadded = 6 + 2 + lengthBytes + header.Length + 1;
        var text = header + new string(' ', (64 - (unpadded % 64)) % 64) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, .. "NUMPY"u8, (byte)major, 0]);
        var length = Encoding.Latin1.GetByteCount(text);
        stream.Write(major == 1 ? BitConverter.GetBytes((ushort)length) : BitConverter.GetBytes((uint)length));
        stream.Write(Encoding.Latin1.GetBytes(text));
        stream.Write(data);
        return stream.ToArray();
    }

    public static byte[] Floats(int[] shape, params float[] values) => Array("<f4", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    public static byte[] Doubles(int[] shape, params double[] values) => Array("<f8", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    public static byte[] Int64s(int[] shape, params long[] values) => Array("<i8", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    /// <summary>An .npz archive with one entry per array, compressed like <c>numpy.savez_compressed</c>.</summary>
    public static void WriteArchive(string path, params (string Name, byte[] Npy)[] arrays)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, npy) in arrays)
        {
            using var entry = archive.CreateEntry($"{name}.npy", CompressionLevel.Optimal).Open();
            entry.Write(npy);
        }
    }
}
