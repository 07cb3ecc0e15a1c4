using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EdgeML.Engine.Diagnostics;

namespace EdgeML.Engine.Data;

/// <summary>
/// Reads NumPy's <c>.npy</c> format (NEP 1): the magic <c>\x93NUMPY</c>, a version (1.0 has a 2-byte header
/// length, 2.0 and 3.0 a 4-byte one), a Python dict literal with <c>descr</c>, <c>fortran_order</c> and
/// <c>shape</c>, then the raw values. Little-endian float32, float64, uint8, int32 and int64 arrays in C order
/// are read; anything else is <see cref="DiagnosticCodes.DataMalformed"/> at the file.
/// </summary>
public static partial class NpyReader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(string path)
    {
        using var stream = DataFile.Open(path);
        return Read(stream, path, $"'{path}'");
    }

    /// <param name="stream">The array's bytes, read from the current position; need not be seekable.</param>
    /// <param name="path">The file errors point at.</param>
    /// <param name="name">How errors name the array (for an archive entry: the entry and the archive).</param>
    public static NpyArray Read(Stream stream, string path, string name)
    {
        var preamble = ReadBytes(stream, path, name, Magic.Length + 2, "the header");
        if (!preamble.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Malformed(path, name, "it does not start with the .npy magic string \\x93NUMPY");
        }

        var major = preamble[Magic.Length];
        var lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw Malformed(path, name, $".npy format version {major}.{preamble[Magic.Length + 1]} is unknown (1.0, 2.0 and 3.0 are read)"),
        };
        var lengthField = ReadBytes(stream, path, name, lengthBytes, "the header");
        var headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField) : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > 1 << 20)
        {
            throw Malformed(path, name, $"its header claims {headerLength} bytes");
        }

        var headerBytes = ReadBytes(stream, path, name, (int)headerLength, "the header");
        var header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var (type, shape) = ParseHeader(header, path, name);
        var count = shape.Aggregate(1L, (product, dimension) => product * dimension);
        if (count * type.Size > Array.MaxLength)
        {
            throw Malformed(path, name, $"shape ({string.Join(", ", shape)}) is too large to read");
        }

        var data = ReadBytes(stream, path, name, (int)(count * type.Size), "the data");
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = type.Read(data.AsSpan(i * type.Size, type.Size));
        }

        return new NpyArray(shape, values);
    }

    private static (ElementType Type, int[] Shape) ParseHeader(string header, string path, string name)
    {
        if (!header.TrimStart().StartsWith('{'))
        {
            throw Malformed(path, name, "its header is not a Python dict");
        }

        var descr = DescrPattern().Match(header);
        var fortranOrder = FortranOrderPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !fortranOrder.Success || !shape.Success)
        {
            throw Malformed(path, name, $"its header needs 'descr', 'fortran_order' and 'shape': {header.Trim()}");
        }

        if (fortranOrder.Groups[1].Value == "True")
        {
            throw Malformed(path, name, "it is in Fortran order; save it in C order (numpy.ascontiguousarray)");
        }

        var type = ElementType.Of(descr.Groups[1].Value)
            ?? throw Malformed(path, name, $"element type '{descr.Groups[1].Value}' is not supported (little-endian '<f4', '<f8', '|u1', '<i4' or '<i8')");
        var dimensions = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var parsed = new int[dimensions.Length];
        for (var i = 0; i < dimensions.Length; i++)
        {
            if (!int.TryParse(dimensions[i], NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]))
            {
                throw Malformed(path, name, $"shape ({shape.Groups[1].Value}) is not a tuple of sizes");
            }
        }

        return (type, parsed);
    }

    private static byte[] ReadBytes(Stream stream, string path, string name, int count, string part)
    {
        var buffer = new byte[count];
        var read = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        return read == count ? buffer : throw Malformed(path, name, $"it ends inside {part} ({read} of {count} bytes)");
    }

    private static EdgeMLException Malformed(string path, string name, string reason) =>
        new(DiagnosticCodes.DataMalformed, $"{name} is not a readable .npy array: {reason}", new SourceLocation(path));

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)\b")]
    private static partial Regex FortranOrderPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    /// <summary>An element type NumPy's <c>descr</c> names, and how to widen one value to float.</summary>
    private sealed record ElementType(int Size, ElementType.Reader Read)
    {
        public delegate float Reader(ReadOnlySpan<byte> bytes);

        public static ElementType? Of(string descr) => descr switch
        {
            "<f4" => new(4, bytes => BinaryPrimitives.ReadSingleLittleEndian(bytes)),
            "<f8" => new(8, bytes => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes)),
            "|u1" => new(1, bytes => bytes[0]),
            "<i4" => new(4, bytes => BinaryPrimitives.ReadInt32LittleEndian(bytes)),
            "<i8" => new(8, bytes => BinaryPrimitives.ReadInt64LittleEndian(bytes)),
            _ => null,
        };
    }
}
