using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VaeCourse;

/// <summary>
/// Encodes 8-bit grayscale images as PNG (W3C PNG specification, 3rd edition: colour type 0, bit depth 8, no
/// interlace, filter type 0 on every row). Charts embed image grids as PNG: a 15 x 15 grid of 28 x 28 images is
/// tens of kilobytes this way instead of megabytes of numbers.
/// </summary>
public static class PngImage
{
    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>The PNG file of a <paramref name="width"/> x <paramref name="height"/> grayscale image, rows top to bottom.</summary>
    public static byte[] Grayscale(byte[] pixels, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        Check.Positive(width, nameof(width));
        Check.Positive(height, nameof(height));
        if (pixels.Length != (long)width * height)
            throw new ArgumentException($"pixels has {pixels.Length} values; a {width} x {height} image needs {(long)width * height}.", nameof(pixels));
        using var png = new MemoryStream();
        png.Write(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bit depth
        header[9] = 0;   // colour type: grayscale
        WriteChunk(png, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var zlib = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
                for (int y = 0; y < height; y++)
                {
                    zlib.WriteByte(0); // filter type 0: none
                    zlib.Write(pixels, y * width, width);
                }
            WriteChunk(png, "IDAT", raw.ToArray());
        }
        WriteChunk(png, "IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    /// <summary>The PNG as a data URI, for an HTML image source.</summary>
    public static string DataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        output.Write(buffer);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(buffer, crc);
        output.Write(buffer);
    }

    private static uint Crc(uint crc, byte[] data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
