using System.Buffers.Binary;
using System.IO.Compression;
using VaeCourse.Data;
using Xunit;
using Xunit.Abstractions;
using static VaeCourse.Tests.IdxTestFiles;

namespace VaeCourse.Tests;

/// <summary>
/// Feeds the IDX reader random and mutated files: each must either come back consistent with its own
/// header or fail with <see cref="IdxFormatException"/>; any other exception fails the test.
/// </summary>
public sealed class IdxFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 1500;

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
}
