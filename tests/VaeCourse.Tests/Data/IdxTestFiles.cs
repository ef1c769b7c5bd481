using System.Buffers.Binary;
using System.IO.Compression;
using VaeCourse.Data;

namespace VaeCourse.Tests.Data;

/// <summary>Builds IDX file bytes for tests.</summary>
public static class IdxTestFiles
{
    /// <summary>The bytes of an IDX file: 00 00 type rank, big-endian dims, then data.</summary>
    /// <param name="type">The element type byte.</param>
    /// <param name="dims">The dimensions.</param>
    /// <param name="data">The data bytes (not checked against dims).</param>
    /// <returns>The file content.</returns>
    public static byte[] Idx(byte type, uint[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    /// <summary>An unsigned-byte IDX file with consistent data.</summary>
    /// <param name="dims">The dimensions.</param>
    /// <param name="data">The data (its length should be the product of dims).</param>
    /// <returns>The file content.</returns>
    public static byte[] UByte(uint[] dims, byte[] data) => Idx(0x08, dims, data);

    /// <summary>Gzip-compresses bytes.</summary>
    /// <param name="raw">The content.</param>
    /// <returns>The gzip file bytes.</returns>
    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gz.Write(raw);
        return output.ToArray();
    }

    /// <summary>Bytes 0, 1, 2, ... (mod 256).</summary>
    /// <param name="count">How many.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Ramp(int count) => Enumerable.Range(0, count).Select(i => (byte)(i * 7 + 3)).ToArray();

    /// <summary>An images file (count x rows x cols) and a labels file (count) with known values.</summary>
    /// <param name="count">Number of images.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Columns.</param>
    /// <returns>The two files' bytes and the data written.</returns>
    public static (byte[] Images, byte[] Labels, byte[] Pixels, byte[] LabelValues) ImageFiles(int count, int rows, int cols)
    {
        byte[] pixels = Ramp(count * rows * cols);
        byte[] labels = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        return (UByte([(uint)count, (uint)rows, (uint)cols], pixels), UByte([(uint)count], labels), pixels, labels);
    }

    /// <summary>Runs <paramref name="read"/>, expects an <see cref="IdxFormatException"/> for <paramref name="path"/> whose message names it and mentions each of <paramref name="mentions"/>.</summary>
    public static IdxFormatException Fails(Func<object> read, string path, params string[] mentions)
    {
        var e = Assert.Throws<IdxFormatException>(read);
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.Path);
        foreach (string m in mentions)
            Assert.Contains(m, e.Message);
        return e;
    }
}
