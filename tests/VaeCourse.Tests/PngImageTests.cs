namespace VaeCourse.Tests;

public class PngImageTests
{
    [Fact]
    public void EncodesAValidGrayscalePng()
    {
        var pixels = Enumerable.Range(0, 6 * 4).Select(i => (byte)(i * 10)).ToArray();
        byte[] png = PngImage.Grayscale(pixels, 6, 4);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(6, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(4, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        // The IHDR CRC covers type and data: recompute it independently of the encoder's table.
        uint crc = 0xFFFFFFFF;
        foreach (byte b in png.AsSpan(12, 17)) { crc ^= b; for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1; }
        Assert.Equal(crc ^ 0xFFFFFFFF, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(29)));
        // IDAT holds zlib data that inflates to one filter byte plus the pixels per row.
        int idatLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        Assert.Equal("IDAT", System.Text.Encoding.ASCII.GetString(png, 37, 4));
        using var inflate = new System.IO.Compression.ZLibStream(new MemoryStream(png, 41, idatLength), System.IO.Compression.CompressionMode.Decompress);
        var raw = new MemoryStream();
        inflate.CopyTo(raw);
        var rows = raw.ToArray();
        Assert.Equal(4 * 7, rows.Length);
        for (int y = 0; y < 4; y++)
        {
            Assert.Equal(0, rows[y * 7]);
            Assert.Equal(pixels.AsSpan(y * 6, 6).ToArray(), rows.AsSpan(y * 7 + 1, 6).ToArray());
        }
        Assert.EndsWith("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
        Assert.Throws<ArgumentException>(() => PngImage.Grayscale(new byte[5], 2, 2));
    }
}
