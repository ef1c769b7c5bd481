using VaeCourse.Data;
using Xunit;
using static VaeCourse.Tests.IdxTestFiles;

namespace VaeCourse.Tests;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, byte[] bytes)
    {
        string path = _temp.Combine(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static IdxFormatException Fails(Func<object> read, string path, params string[] mentions)
    {
        var e = Assert.Throws<IdxFormatException>(read);
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.Path);
        foreach (string m in mentions)
            Assert.Contains(m, e.Message);
        return e;
    }

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
        Assert.Equal(IdxElementType.UnsignedByte, array.ElementType);
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_an_image_set(bool gzip)
    {
        var (images, labels, pixels, labelValues) = ImageFiles(3, 4, 5);
        string imagesPath = Write("img", gzip ? Gzip(images) : images);
        string labelsPath = Write("lbl", gzip ? Gzip(labels) : labels);

        IdxImages set = IdxImages.Load(imagesPath, labelsPath);

        Assert.Equal(3, set.Count);
        Assert.Equal(4, set.Rows);
        Assert.Equal(5, set.Cols);
        Assert.Equal(pixels, set.Pixels);
        Assert.Equal(labelValues, set.Labels);
        Assert.Equal(pixels.AsSpan(20, 20).ToArray(), set.GetImage(1).ToArray());
        Assert.Equal(pixels[7] / 255f, set.ToFloatPixels()[7]);
    }

    [Fact]
    public void Loads_a_split_from_a_folder_of_standard_files()
    {
        var (images, labels, pixels, _) = ImageFiles(2, 3, 3);
        Write("t10k-images-idx3-ubyte.gz", Gzip(images));
        Write("t10k-labels-idx1-ubyte.gz", Gzip(labels));
        IdxImages set = IdxImages.Load(_temp.Path, DatasetSplit.Test);
        Assert.Equal(pixels, set.Pixels);
    }

    [Fact]
    public void Rejects_a_label_count_that_differs_from_the_image_count()
    {
        var (images, _, _, _) = ImageFiles(3, 2, 2);
        string imagesPath = Write("img.idx", images);
        string labelsPath = Write("lbl.idx", UByte([2], [0, 1]));
        var e = Fails(() => IdxImages.Load(imagesPath, labelsPath), labelsPath, "label count", "expected 3", "found 2");
        Assert.Contains(imagesPath, e.Message);
    }

    [Fact]
    public void Rejects_an_image_file_given_as_labels()
    {
        var (images, _, _, _) = ImageFiles(3, 2, 2);
        string imagesPath = Write("img.idx", images);
        Fails(() => IdxImages.Load(imagesPath, imagesPath), imagesPath, "expected 1", "found 3");
    }

    /// <summary>A read-only stream that cannot seek, like a pipe.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
