using System.Buffers.Binary;
using System.IO.Compression;
using VaeCourse.Data;
using Xunit.Abstractions;
using static VaeCourse.Tests.Data.IdxTestFiles;

namespace VaeCourse.Tests.Data;

public sealed class IdxReaderTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, byte[] bytes) => _temp.Write(name, bytes);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_a_valid_file_with_exact_values(bool gzip)
    {
        byte[] data = Ramp(2 * 3 * 4);
        byte[] raw = UByte([2, 3, 4], data);
        string path = Write(gzip ? "a.gz" : "a.idx", gzip ? Gzip(raw) : raw);

        IdxArray array = IdxReader.Read(path);

        Assert.Equal([2, 3, 4], array.Shape);
        Assert.Equal(data, array.Data);
        Assert.Equal(3, array.Rank);
    }

    [Fact]
    public void Detects_gzip_by_magic_bytes_not_by_name()
    {
        byte[] raw = UByte([5], [9, 8, 7, 6, 5]);
        Assert.Equal([9, 8, 7, 6, 5], IdxReader.Read(Write("raw-named.gz", raw)).Data);
        Assert.Equal([9, 8, 7, 6, 5], IdxReader.Read(Write("gzip-named.idx", Gzip(raw))).Data);
    }

    [Fact]
    public void Reads_from_a_non_seekable_stream()
    {
        byte[] raw = UByte([2, 2], [1, 2, 3, 4]);
        using var pipe = new NonSeekableStream(Gzip(raw));
        IdxArray array = IdxReader.Read(pipe, "pipe");
        Assert.Equal([1, 2, 3, 4], array.Data);
    }

    [Fact]
    public void Reads_an_empty_set()
    {
        IdxArray array = IdxReader.ReadImages(Write("empty.idx", UByte([0, 28, 28], [])));
        Assert.Equal([0, 28, 28], array.Shape);
        Assert.Empty(array.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rejects_a_wrong_magic_number(bool gzip)
    {
        byte[] raw = UByte([2], [1, 2]);
        raw[0] = 0x01;
        string path = Write("magic.idx", gzip ? Gzip(raw) : raw);
        var e = Fails(() => IdxReader.Read(path), path, "wrong magic number", "00 00", "found 01 00");
        if (gzip)
            Assert.Contains("decompressed", e.Message);
        else
            Assert.Contains("1F 8B", e.Message);
    }

    [Fact]
    public void Rejects_a_text_file()
    {
        string path = Write("readme.gz", "PK not an idx file"u8.ToArray());
        Fails(() => IdxReader.Read(path), path, "wrong magic number", "found 50 4B");
    }

    [Theory]
    [InlineData(0x09, "SignedByte")]
    [InlineData(0x0B, "Int16")]
    [InlineData(0x0C, "Int32")]
    [InlineData(0x0D, "Float32")]
    [InlineData(0x0E, "Float64")]
    public void Rejects_valid_but_unsupported_element_types(byte type, string name)
    {
        string path = Write("typed.idx", Idx(type, [2], [0, 0, 0, 0, 0, 0, 0, 0]));
        Fails(() => IdxReader.Read(path), path, "unsupported element type", "expected 0x08", $"found 0x{type:X2}", name);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x07)]
    [InlineData(0x0A)]
    [InlineData(0xFF)]
    public void Rejects_invalid_element_types(byte type)
    {
        string path = Write("badtype.idx", Idx(type, [2], [0, 0]));
        Fails(() => IdxReader.Read(path), path, "invalid element type", "expected 0x08", $"found 0x{type:X2}", "not an IDX type");
    }

    [Fact]
    public void Rejects_the_wrong_number_of_dimensions()
    {
        string labels = Write("labels.idx", UByte([3], [1, 2, 3]));
        string images = Write("images.idx", UByte([1, 2, 2], [1, 2, 3, 4]));
        Fails(() => IdxReader.ReadImages(labels), labels, "wrong number of dimensions", "expected 3", "found 1");
        Fails(() => IdxReader.ReadLabels(images), images, "wrong number of dimensions", "expected 1", "found 3");
        string zero = Write("zero.idx", [0, 0, 8, 0]);
        Fails(() => IdxReader.Read(zero), zero, "wrong number of dimensions", "found 0");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Rejects_a_header_shorter_than_the_magic_number(int length)
    {
        string path = Write("short.idx", new byte[length]);
        Fails(() => IdxReader.Read(path), path, "truncated header", "4-byte magic number", $"found {length} byte(s)");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rejects_a_truncated_dimension_list(bool gzip)
    {
        byte[] raw = UByte([2, 3, 4], Ramp(24))[..12]; // magic + 2 of the 3 dimensions
        string path = Write("dims.idx", gzip ? Gzip(raw) : raw);
        Fails(() => IdxReader.Read(path), path, "truncated header", "need 12 bytes", "found 8");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rejects_truncated_data(bool gzip)
    {
        byte[] raw = UByte([2, 3, 4], Ramp(20)); // 24 declared, 20 present
        string path = Write("trunc.idx", gzip ? Gzip(raw) : raw);
        Fails(() => IdxReader.Read(path), path, "truncated data", "2 x 3 x 4 = 24", "found 20");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rejects_trailing_bytes(bool gzip)
    {
        byte[] raw = UByte([2, 3, 4], Ramp(29)); // 24 declared, 29 present
        string path = Write("trail.idx", gzip ? Gzip(raw) : raw);
        Fails(() => IdxReader.Read(path), path, "trailing bytes", "2 x 3 x 4 = 24", "found 5 more byte(s)");
    }

    [Fact]
    public void Rejects_a_corrupt_gzip_stream()
    {
        // A gzip header followed by bytes that are not a deflate stream.
        byte[] bytes = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x13, 0x37, 0xAB, 0xCD];
        string path = Write("corrupt.gz", bytes);
        var e = Fails(() => IdxReader.Read(path), path, "corrupt gzip stream", "expected valid gzip data");
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public void Rejects_a_gzip_stream_with_a_wrong_crc()
    {
        byte[] gz = Gzip(UByte([4], [1, 2, 3, 4]));
        gz[^8] ^= 0xFF; // the CRC-32 in the gzip trailer
        string path = Write("crc.gz", gz);
        Fails(() => IdxReader.Read(path), path, "corrupt gzip stream");
    }

    [Fact]
    public void Rejects_a_truncated_gzip_stream()
    {
        byte[] gz = Gzip(UByte([100, 10, 10], Ramp(10000)));
        string path = Write("cut.gz", gz[..(gz.Length / 2)]);
        // Depending on where the cut falls the decoder reports a corrupt stream or the data come out short.
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains("corrupt gzip stream") || e.Message.Contains("truncated data"), e.Message);
    }

    [Fact]
    public void Rejects_dimensions_beyond_the_int_range()
    {
        string path = Write("huge-dim.idx", UByte([0x80000000u], []));
        Fails(() => IdxReader.Read(path), path, "absurd dimensions", "2147483648", "2147483647");
    }

    [Fact]
    public void Rejects_a_product_of_dimensions_beyond_the_cap()
    {
        string path = Write("huge-product.idx", UByte([65536, 65536, 65536], []));
        Fails(() => IdxReader.Read(path), path, "absurd dimensions", "65536 x 65536 x 65536", "limit");
        string small = Write("over-limit.idx", UByte([10, 10], Ramp(100)));
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(small, maxDataBytes: 99));
        Assert.Contains("absurd dimensions", e.Message);
    }

    [Fact]
    public void A_lying_header_does_not_allocate_what_it_declares()
    {
        // Declares ~2 GB (within the cap) but holds 10 bytes: must fail fast as truncated, not allocate 2 GB.
        string path = Write("liar.idx", UByte([2_000_000_000u], Ramp(10)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(() => IdxReader.Read(path), path, "truncated data", "2000000000", "found 10");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error()
    {
        Assert.Throws<FileNotFoundException>(() => IdxReader.Read(_temp.Combine("nope.gz")));
    }

    private const int Cases = 1500;

    /// <summary>
    /// Feeds the IDX reader random and mutated files: each must either come back consistent with its own
    /// header or fail with <see cref="IdxFormatException"/>; any other exception fails the test.
    /// </summary>
    [Fact]
    public void Random_and_mutated_files_either_parse_consistently_or_throw_IdxFormatException()
    {
        var rng = new Random(20240607);
        int parsed = 0, rejected = 0;
        var kinds = new Dictionary<string, int>();
        for (int i = 0; i < Cases; i++)
        {
            (byte[] bytes, string kind) = MakeCase(rng);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            int? rank = rng.Next(4) == 0 ? rng.Next(1, 4) : null;
            string name = $"fuzz-{i}-{kind}";
            IdxArray? array = null;
            try
            {
                array = IdxReader.Read(new MemoryStream(bytes, writable: false), name, rank, maxDataBytes: 1 << 24);
            }
            catch (IdxFormatException e)
            {
                Assert.Contains(name, e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} ({kind}, {bytes.Length} bytes: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(32, bytes.Length)))}...) " +
                            $"threw {e.GetType().Name}: {e.Message}");
            }
            if (array is not null)
            {
                CheckConsistent(array, bytes, rank, $"case {i} ({kind})");
                parsed++;
            }
        }
        output.WriteLine($"{parsed} parsed, {rejected} rejected; cases per kind: " +
                         string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        // Both outcomes must actually occur, or the generator is broken.
        Assert.True(parsed > 50, $"only {parsed} cases parsed");
        Assert.True(rejected > 500, $"only {rejected} cases rejected");
        Assert.True(kinds.Count >= 8, string.Join(", ", kinds.Keys));
    }

    /// <summary>The returned array must be what the (decompressed) bytes' header says, with the bytes after it as data.</summary>
    private static void CheckConsistent(IdxArray array, byte[] bytes, int? rank, string what)
    {
        byte[] raw = bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B ? Gunzip(bytes) : bytes;
        Assert.True(raw.Length >= 4 && raw[0] == 0 && raw[1] == 0 && raw[2] == 0x08, what);
        int r = raw[3];
        Assert.True(rank is null || rank == r, what);
        Assert.Equal(r, array.Shape.Length);
        long product = 1;
        for (int d = 0; d < r; d++)
        {
            uint dim = BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(4 + 4 * d));
            Assert.Equal((long)dim, array.Shape[d]);
            product *= dim;
        }
        Assert.Equal(product, array.Data.LongLength);
        Assert.Equal(raw.Length, 4 + 4 * r + array.Data.Length);
        Assert.True(raw.AsSpan(4 + 4 * r).SequenceEqual(array.Data), what);
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gz.CopyTo(output);
        return output.ToArray();
    }

    private static (byte[] Bytes, string Kind) MakeCase(Random rng)
    {
        switch (rng.Next(10))
        {
            case 0:
                return (RandomBytes(rng, rng.Next(0, 64)), "random");
            case 1:
            {
                // Random bytes that start like an IDX or a gzip file.
                byte[] b = RandomBytes(rng, rng.Next(2, 200));
                if (rng.Next(2) == 0) { b[0] = 0; b[1] = 0; }
                else { b[0] = 0x1F; b[1] = 0x8B; }
                return (b, "random-with-magic");
            }
            case 2:
                return (Valid(rng, out _), "valid");
            case 3:
                return (FlipBits(rng, Valid(rng, out _)), "bitflip-raw");
            case 4:
                return (FlipBits(rng, Gzip(Valid(rng, out _))), "bitflip-gzip");
            case 5:
            {
                byte[] v = rng.Next(2) == 0 ? Valid(rng, out _) : Gzip(Valid(rng, out _));
                return (v[..rng.Next(0, v.Length + 1)], "truncated");
            }
            case 6:
            {
                byte[] v = rng.Next(2) == 0 ? Valid(rng, out _) : Gzip(Valid(rng, out _));
                var list = v.ToList();
                int inserts = rng.Next(1, 5);
                for (int k = 0; k < inserts; k++)
                    list.Insert(rng.Next(0, list.Count + 1), (byte)rng.Next(256));
                return (list.ToArray(), "inserted");
            }
            case 7:
            {
                byte[] v = HeaderEdit(rng, Valid(rng, out _));
                return (rng.Next(2) == 0 ? v : Gzip(v), "header-edit");
            }
            case 8:
            {
                // A consistent header with absurd or large dimensions and little data.
                int rank = rng.Next(1, 5);
                var dims = new uint[rank];
                for (int d = 0; d < rank; d++)
                    dims[d] = rng.Next(4) switch { 0 => uint.MaxValue - (uint)rng.Next(3), 1 => 0x80000000u, 2 => (uint)rng.Next(1, 70000), _ => (uint)rng.Next(0, 4) };
                byte[] v = UByte(dims, RandomBytes(rng, rng.Next(0, 64)));
                return (rng.Next(2) == 0 ? v : Gzip(v), "large-dims");
            }
            default:
            {
                // Valid content with extra bytes, or gzip with garbage after the stream.
                byte[] v = Valid(rng, out _);
                byte[] tail = RandomBytes(rng, rng.Next(1, 16));
                return (rng.Next(2) == 0 ? [.. v, .. tail] : [.. Gzip(v), .. tail], "trailing");
            }
        }
    }

    private static byte[] Valid(Random rng, out uint[] dims)
    {
        int rank = rng.Next(1, 4);
        dims = new uint[rank];
        long product = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = (uint)rng.Next(0, 9);
            product *= dims[d];
        }
        return UByte(dims, RandomBytes(rng, (int)product));
    }

    private static byte[] FlipBits(Random rng, byte[] bytes)
    {
        byte[] b = (byte[])bytes.Clone();
        if (b.Length == 0)
            return b;
        int flips = rng.Next(1, 4);
        for (int k = 0; k < flips; k++)
            b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
        return b;
    }

    private static byte[] HeaderEdit(Random rng, byte[] bytes)
    {
        byte[] b = (byte[])bytes.Clone();
        int header = Math.Min(b.Length, 4 + 4 * b[3]);
        switch (rng.Next(4))
        {
            case 0: b[2] = (byte)rng.Next(256); break;                     // element type
            case 1: b[3] = (byte)rng.Next(256); break;                     // rank
            case 2: if (header > 4) b[rng.Next(4, header)] = (byte)rng.Next(256); break; // one dimension byte
            default: b[rng.Next(Math.Max(1, header))] = 0xFF; break;       // anywhere in the header
        }
        return b;
    }

    private static byte[] RandomBytes(Random rng, int count)
    {
        var b = new byte[count];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>A read-only stream that cannot seek, like a pipe.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
