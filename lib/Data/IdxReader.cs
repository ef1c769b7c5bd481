using System.Buffers.Binary;
using System.IO.Compression;

namespace VaeCourse.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed (detected by the gzip
/// magic bytes 1F 8B, whatever the file name). Only unsigned-byte (0x08) arrays are supported.
/// </summary>
/// <remarks>
/// <para>Every format problem throws <see cref="IdxFormatException"/>, whatever the input bytes; the
/// reader never allocates from the header's sizes alone: it reads the data in growing chunks, capped at
/// the size the header declares (itself capped at <c>maxDataBytes</c>), so a lying header costs at most
/// about twice the bytes actually present.</para>
/// <para>Errors opening the file (missing file, no permission) are thrown as usual
/// (<see cref="FileNotFoundException"/>, <see cref="UnauthorizedAccessException"/>, ...).</para>
/// </remarks>
public static class IdxReader
{
    /// <summary>The default cap on the data size a header may declare: <see cref="Array.MaxLength"/> bytes (just under 2 GiB).</summary>
    public const long DefaultMaxDataBytes = 0x7FFFFFC7;

    /// <summary>The element type code (third byte of the magic number) of unsigned bytes: MNIST's images and labels.</summary>
    private const byte UnsignedByte = 0x08;

    /// <summary>The IDX format's other element types, which this reader refuses by name.</summary>
    private static readonly Dictionary<byte, string> OtherElementTypes = new()
    {
        [0x09] = "SignedByte", [0x0B] = "Int16", [0x0C] = "Int32", [0x0D] = "Float32", [0x0E] = "Float64",
    };

    private const int InitialChunk = 1 << 20;
    private const long TrailingCountLimit = 64L << 20;

    /// <summary>Reads an IDX file of unsigned bytes (raw or gzip).</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="expectedRank">If given, the number of dimensions the file must have.</param>
    /// <param name="maxDataBytes">The largest data size (product of the dimensions) accepted.</param>
    /// <returns>The array with the file's shape and data.</returns>
    /// <exception cref="IdxFormatException">The file is not a well-formed unsigned-byte IDX file of that rank.</exception>
    public static IdxArray Read(string path, int? expectedRank = null, long maxDataBytes = DefaultMaxDataBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path, expectedRank, maxDataBytes);
    }

    /// <summary>Reads an IDX array of unsigned bytes (raw or gzip) from a stream, to its end.</summary>
    /// <param name="stream">The stream, positioned at the start of the IDX (or gzip) data; it is not closed.</param>
    /// <param name="sourceName">The name used in error messages (usually the file path).</param>
    /// <param name="expectedRank">If given, the number of dimensions the data must have.</param>
    /// <param name="maxDataBytes">The largest data size (product of the dimensions) accepted.</param>
    /// <returns>The array with the data's shape and elements.</returns>
    /// <exception cref="IdxFormatException">The data is not a well-formed unsigned-byte IDX array of that rank.</exception>
    public static IdxArray Read(Stream stream, string sourceName, int? expectedRank = null, long maxDataBytes = DefaultMaxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (expectedRank is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(expectedRank), expectedRank, "An IDX rank is between 1 and 255.");
        ArgumentOutOfRangeException.ThrowIfNegative(maxDataBytes);
        maxDataBytes = Math.Min(maxDataBytes, DefaultMaxDataBytes);

        var prefix = new byte[2];
        int prefixLength = ReadFully(stream, prefix);
        bool gzip = prefixLength == 2 && prefix[0] == 0x1F && prefix[1] == 0x8B;
        var prefixed = new PrefixedStream(prefix.AsMemory(0, prefixLength), stream);
        if (!gzip)
            return Parse(prefixed, sourceName, gzip: false, expectedRank, maxDataBytes);

        var counting = new CountingStream(new GZipStream(prefixed, CompressionMode.Decompress, leaveOpen: true));
        try
        {
            return Parse(counting, sourceName, gzip: true, expectedRank, maxDataBytes);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotSupportedException
                                  || (e is IOException && e is not IdxFormatException))
        {
            throw new IdxFormatException(sourceName,
                $"corrupt gzip stream: expected valid gzip data, but decompression failed after {counting.BytesRead} " +
                $"decompressed byte(s): {e.Message}", e);
        }
        finally
        {
            counting.Dispose();
        }
    }

    /// <summary>Reads an image file: an unsigned-byte IDX file with 3 dimensions (count, rows, columns).</summary>
    /// <param name="path">The file to read (raw or gzip).</param>
    /// <returns>The array of shape [count, rows, cols].</returns>
    /// <exception cref="IdxFormatException">The file is not a well-formed 3-dimensional unsigned-byte IDX file.</exception>
    public static IdxArray ReadImages(string path) => Read(path, expectedRank: 3);

    /// <summary>Reads a label file: an unsigned-byte IDX file with 1 dimension (count).</summary>
    /// <param name="path">The file to read (raw or gzip).</param>
    /// <returns>The array of shape [count].</returns>
    /// <exception cref="IdxFormatException">The file is not a well-formed 1-dimensional unsigned-byte IDX file.</exception>
    public static IdxArray ReadLabels(string path) => Read(path, expectedRank: 1);

    /// <summary>The IDX array in <paramref name="content"/>: header, data, and nothing after them.</summary>
    private static IdxArray Parse(Stream content, string source, bool gzip, int? expectedRank, long maxDataBytes)
    {
        string where = gzip ? " (in the decompressed gzip content)" : "";
        int rank = ReadMagic(content, source, where, gzip, expectedRank);
        int[] shape = ReadShape(content, source, where, rank);
        string shapeText = string.Join(" x ", shape);
        int expected = DataBytes(shape, shapeText, source, where, maxDataBytes);
        byte[] data = ReadData(content, expected, shapeText, source, where);
        RejectTrailing(content, expected, shapeText, source, where);
        return new IdxArray(shape, data);
    }

    /// <summary>The magic number, 00 00 &lt;type&gt; &lt;rank&gt;: checks the type (unsigned byte) and the rank, and returns the rank.</summary>
    private static int ReadMagic(Stream content, string source, string where, bool gzip, int? expectedRank)
    {
        var magic = new byte[4];
        int got = ReadFully(content, magic);
        if (got >= 2 && (magic[0] != 0 || magic[1] != 0))
        {
            string wanted = gzip ? "00 00" : "00 00 (IDX) or 1F 8B (gzip)";
            throw new IdxFormatException(source,
                $"wrong magic number{where}: expected the first two bytes to be {wanted}, found {magic[0]:X2} {magic[1]:X2}");
        }
        if (got < 4)
            throw new IdxFormatException(source,
                $"truncated header{where}: expected a 4-byte magic number, found {got} byte(s)");

        byte type = magic[2];
        if (type != UnsignedByte)
        {
            if (OtherElementTypes.TryGetValue(type, out string? typeName))
                throw new IdxFormatException(source,
                    $"unsupported element type{where}: expected 0x08 (unsigned byte), found 0x{type:X2} " +
                    $"({typeName}), which is valid IDX but not supported by this reader");
            throw new IdxFormatException(source,
                $"invalid element type{where}: expected 0x08 (unsigned byte), found 0x{type:X2}, which is not an IDX type");
        }

        int rank = magic[3];
        if (expectedRank is int r && rank != r)
            throw new IdxFormatException(source,
                $"wrong number of dimensions{where}: expected {r} ({Describe(r)}), found {rank}");
        if (rank == 0)
            throw new IdxFormatException(source, $"wrong number of dimensions{where}: expected at least 1, found 0");
        return rank;
    }

    /// <summary>The dimensions after the magic number: <paramref name="rank"/> big-endian 32-bit sizes, each at most <see cref="int.MaxValue"/>.</summary>
    private static int[] ReadShape(Stream content, string source, string where, int rank)
    {
        var dimBytes = new byte[4 * rank];
        int got = ReadFully(content, dimBytes);
        if (got < dimBytes.Length)
            throw new IdxFormatException(source,
                $"truncated header{where}: {rank} dimension(s) need {dimBytes.Length} bytes after the magic number, found {got}");

        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i, 4));
            if (d > int.MaxValue)
                throw new IdxFormatException(source,
                    $"absurd dimensions{where}: dimension {i} is {d}, expected at most {int.MaxValue}");
            shape[i] = (int)d;
        }
        return shape;
    }

    /// <summary>The data size the shape declares (the product of the dimensions), refused above <paramref name="maxDataBytes"/>.</summary>
    private static int DataBytes(int[] shape, string shapeText, string source, string where, long maxDataBytes)
    {
        if (shape.Contains(0))
            return 0;
        long bytes = 1;
        foreach (int d in shape)
        {
            if (bytes > maxDataBytes / d)
                throw new IdxFormatException(source,
                    $"absurd dimensions{where}: {shapeText} is more than the limit of {maxDataBytes} bytes of data");
            bytes *= d;
        }
        return (int)bytes;
    }

    /// <summary>The <paramref name="expected"/> data bytes: reads what is there, never allocating more than twice what was actually read.</summary>
    private static byte[] ReadData(Stream content, int expected, string shapeText, string source, string where)
    {
        byte[] data = new byte[Math.Min(expected, InitialChunk)];
        int filled = 0;
        while (filled < expected)
        {
            if (filled == data.Length)
                Array.Resize(ref data, (int)Math.Min(expected, 2L * data.Length));
            int n = content.Read(data, filled, data.Length - filled);
            if (n == 0)
                break;
            filled += n;
        }
        if (filled < expected)
            throw new IdxFormatException(source,
                $"truncated data{where}: the header declares {shapeText} = {expected} byte(s) of data, found {filled}");
        return data;
    }

    /// <summary>Refuses bytes after the data the header declares (counting at most <see cref="TrailingCountLimit"/> of them).</summary>
    private static void RejectTrailing(Stream content, int expected, string shapeText, string source, string where)
    {
        long trailing = CountRemaining(content, TrailingCountLimit);
        if (trailing > 0)
        {
            string count = trailing >= TrailingCountLimit ? $"at least {trailing}" : trailing.ToString();
            throw new IdxFormatException(source,
                $"trailing bytes{where}: the header declares {shapeText} = {expected} byte(s) of data, " +
                $"found {count} more byte(s) after them");
        }
    }

    private static string Describe(int rank) => rank switch
    {
        1 => "labels: count",
        3 => "images: count, rows, columns",
        _ => "as asked",
    };

    private static int ReadFully(Stream stream, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    private static long CountRemaining(Stream stream, long limit)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        while (total < limit)
        {
            int n = stream.Read(buffer, 0, buffer.Length);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    /// <summary>The read-only, forward-only part shared by the stream wrappers below; subclasses implement Read(Span).</summary>
    private abstract class ForwardReadStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public abstract override int Read(Span<byte> buffer);
    }

    /// <summary>A read-only stream that returns a few already-read bytes, then the rest of an inner stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : ForwardReadStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
                return inner.Read(buffer);
            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
    }

    /// <summary>A read-only stream wrapper that counts the bytes read, for error messages.</summary>
    private sealed class CountingStream(Stream inner) : ForwardReadStream
    {
        public long BytesRead { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
