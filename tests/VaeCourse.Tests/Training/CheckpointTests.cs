using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using VaeCourse.Model;
using VaeCourse.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Training;

/// <summary>
/// Checkpoints: an interrupted save leaves the previous file byte for byte; a checkpoint that does not fit the
/// model names the first parameter that does not fit and both shapes, and leaves the model unchanged; truncated,
/// damaged and foreign files give an <see cref="InvalidDataException"/> naming the file, quickly and without huge allocations.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly ITestOutputHelper output;
    private readonly string dir = Directory.CreateTempSubdirectory("vae-ckpt-reliability").FullName;

    public CheckpointTests(ITestOutputHelper output)
    {
        this.output = output;
        Course.Setup(seed: 0);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string PathOf(string name) => Path.Combine(dir, name);

    private static Vae Small(long seed, int input = 64, int hidden = 32, int latent = 4)
    {
        manual_seed(seed);
        return Vae.Mlp(input, new[] { hidden }, latent);
    }

    private static List<Tensor> Snapshot(nn.Module model) => model.parameters().Select(p => p.detach().clone()).ToList();

    private static void AssertUnchanged(nn.Module model, List<Tensor> before)
    {
        var now = model.parameters().ToList();
        Assert.Equal(before.Count, now.Count);
        for (int i = 0; i < now.Count; i++)
            Assert.True(Bits.Same(now[i], before[i]), $"parameter {i} changed");
    }

    private static void AssertSameParameters(nn.Module a, nn.Module b)
    {
        foreach (var (p, q) in a.parameters().Zip(b.parameters()))
            Assert.True(Bits.Same(p, q), "parameters differ");
    }

    /// <summary>Only the named files are in the folder: no temporary file is left.</summary>
    private void AssertOnlyFiles(params string[] names) =>
        Assert.Equal(names.Order(), Directory.GetFiles(dir).Select(Path.GetFileName).Order());

    // ---------------------------------------------------------------- round trips

    [Fact]
    public void Round_trips_reproduce_every_parameter_bit_for_bit_for_each_model_kind()
    {
        var pairs = new (nn.Module Saved, nn.Module Fresh)[]
        {
            (Small(1), Small(2)),
            (Vae.Conv(latentSize: 3, channels: 4), Vae.Conv(latentSize: 3, channels: 4)),
            (Autoencoder.Mlp(20, new[] { 8, 6 }, 2), Autoencoder.Mlp(20, new[] { 8, 6 }, 2)),
        };
        foreach (var (saved, fresh) in pairs)
        {
            string path = PathOf("round.safetensors");
            Checkpoint.Save(saved, path);
            Checkpoint.Load(fresh, path);
            AssertSameParameters(saved, fresh);
            var described = Checkpoint.Describe(path);
            Assert.Equal(saved.state_dict().Keys.Select(Checkpoint.Readable), described.Select(d => d.Name));
            Assert.Equal(saved.state_dict().Values.Select(t => t.shape), described.Select(d => d.Shape));
            Assert.DoesNotContain(described, d => d.Name.Contains("k__BackingField"));
            Assert.Equal(ChecksumOfData(File.ReadAllBytes(path)), (string?)Header(File.ReadAllBytes(path))["__metadata__"]?[Checkpoint.ChecksumKey]);
        }
        AssertOnlyFiles("round.safetensors");
    }

    // ---------------------------------------------------------------- interrupted saves

    /// <summary>A stream that accepts <c>limit</c> bytes, then fails as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, long limit, bool failFlush = false) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush()
        {
            if (failFlush) throw new IOException("No space left on device (simulated, at flush)");
            inner.Flush();
        }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = limit - Written;
            if (buffer.Length > room)
            {
                inner.Write(buffer[..(int)Math.Max(0, room)]);
                Written += Math.Max(0, room);
                inner.Flush(); // the partial write really reaches the temporary file
                throw new IOException($"No space left on device (simulated after {Written} bytes)");
            }
            inner.Write(buffer);
            Written += buffer.Length;
        }
    }

    /// <summary>Saves model A, then tries to save model B with the write cut after <paramref name="cut"/> bytes.</summary>
    private void InterruptedSaveKeepsThePreviousFile(long cut, bool failFlush = false)
    {
        string path = PathOf("model.safetensors");
        var a = Small(1);
        Checkpoint.Save(a, path);
        byte[] before = File.ReadAllBytes(path);
        var b = Small(2);
        FailingStream? failing = null;
        long tempLength = -1;

        var e = Assert.Throws<IOException>(() => Checkpoint.SaveWith(b, path, s =>
        {
            failing = new FailingStream(s, cut, failFlush);
            return new ObservingStream(failing, () => tempLength = s.Length);
        }));

        Assert.Contains(path, e.Message);
        Assert.Contains("unchanged", e.Message);
        Assert.Equal(Math.Min(cut, before.Length), failing!.Written);            // the write really stopped there...
        Assert.True(failFlush || tempLength == failing.Written, $"temporary file had {tempLength} bytes");
        Assert.Equal(before, File.ReadAllBytes(path));                        // ...and the old file is byte for byte the same
        AssertOnlyFiles("model.safetensors");                                         // no temporary file left
        var c = Small(3);
        Checkpoint.Load(c, path);
        AssertSameParameters(a, c);
    }

    /// <summary>Reports the underlying file's length whenever a write fails (what a crash at that moment would leave).</summary>
    private sealed class ObservingStream(Stream inner, Action onFailure) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try
            {
                inner.Write(buffer);
            }
            catch
            {
                onFailure();
                throw;
            }
        }
    }

    [Theory]
    [InlineData(0)]       // nothing written
    [InlineData(1)]       // inside the header's length
    [InlineData(8)]       // after the header's length
    [InlineData(40)]      // inside the JSON header
    [InlineData(5_000)]   // inside the first weight matrix
    [InlineData(-33)]     // inside the last tensor (counted from the end)
    [InlineData(-1)]      // all but the last byte
    public void A_save_interrupted_at_any_point_leaves_the_previous_checkpoint_byte_for_byte(long cut)
    {
        long size = FileSize(Small(1));
        InterruptedSaveKeepsThePreviousFile(cut >= 0 ? cut : size + cut);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void A_save_interrupted_at_every_one_of_200_points_leaves_the_previous_checkpoint()
    {
        long size = FileSize(Small(1));
        var rng = new Random(5);
        for (int i = 0; i < 200; i++)
            InterruptedSaveKeepsThePreviousFile(rng.NextInt64(0, size));
    }

    [Fact]
    public void A_save_that_fails_when_flushing_leaves_the_previous_checkpoint() =>
        InterruptedSaveKeepsThePreviousFile(long.MaxValue, failFlush: true);

    private long FileSize(nn.Module model)
    {
        string path = PathOf("size.safetensors");
        Checkpoint.Save(model, path);
        long size = new FileInfo(path).Length;
        File.Delete(path);
        return size;
    }

    /// <summary>A model whose last parameter cannot be read (it lives on the data-less "meta" device): libtorch fails while the save gathers the data.</summary>
    private sealed class HalfReadable : nn.Module
    {
        private readonly Linear first = nn.Linear(64, 32);
        private readonly Unreadable second = new();

        public HalfReadable() : base(nameof(HalfReadable)) => RegisterComponents();

        private sealed class Unreadable : nn.Module
        {
            private readonly Parameter broken = new(empty(new long[] { 16 }, device: new Device(DeviceType.META)));

            public Unreadable() : base(nameof(Unreadable)) => RegisterComponents();
        }
    }

    [Fact]
    public void A_save_that_libtorch_fails_part_way_leaves_the_previous_checkpoint_and_no_temporary_file()
    {
        string path = PathOf("model.safetensors");
        Checkpoint.Save(Small(1), path);
        byte[] before = File.ReadAllBytes(path);
        bool opened = false;

        // The header holds the SHA-256 of all the data, so the data is gathered before the first byte is written.
        var e = Assert.Throws<IOException>(() => Checkpoint.SaveWith(new HalfReadable(), path, s => { opened = true; return s; }));

        output.WriteLine(e.Message);
        Assert.True(opened, "the save failed before it opened its temporary file: libtorch's failure was not reached");
        Assert.Contains(path, e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        AssertOnlyFiles("model.safetensors");
    }

    [Fact]
    public void Temporary_files_left_by_a_killed_save_are_removed_by_the_next_save_and_ignored_by_load()
    {
        string path = PathOf("model.safetensors");
        // What a save killed mid-write leaves: a partial temporary file of a process that no longer runs.
        string dead = $"{path}{Checkpoint.TempMarker}{int.MaxValue - 7}-0123456789abcdef";
        // A save in progress in a live process (this one) must not be touched.
        string live = $"{path}{Checkpoint.TempMarker}{Environment.ProcessId}-fedcba9876543210";
        File.WriteAllBytes(dead, new byte[1000]);
        File.WriteAllBytes(live, new byte[10]);

        var a = Small(1);
        Checkpoint.Save(a, path);

        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
        File.Delete(live);
        var b = Small(2);
        Checkpoint.Load(b, path);
        AssertSameParameters(a, b);
        AssertOnlyFiles("model.safetensors");
    }

    // ---------------------------------------------------------------- checkpoints that do not fit

    /// <summary>Loads <paramref name="saved"/>'s checkpoint into <paramref name="target"/>: must fail naming the file, the first misfit and both shapes, leaving the target unchanged.</summary>
    private InvalidDataException Misfit(nn.Module saved, nn.Module target, params string[] mentions)
    {
        string path = PathOf("misfit.safetensors");
        Checkpoint.Save(saved, path);
        var before = Snapshot(target);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target, path));
        output.WriteLine(e.Message);
        Assert.Contains(path, e.Message);
        foreach (string m in mentions) Assert.Contains(m, e.Message);
        AssertUnchanged(target, before);
        return e;
    }

    /// <summary>The first entry, in the model's order, whose shape differs between the two models.</summary>
    private static string FirstDifferent(nn.Module saved, nn.Module target) => Checkpoint.Readable(FirstDifferentKey(saved, target));

    private static string FirstDifferentKey(nn.Module saved, nn.Module target)
    {
        var s = saved.state_dict();
        return target.state_dict().First(kv => !s.TryGetValue(kv.Key, out var t) || !t.shape.SequenceEqual(kv.Value.shape)).Key;
    }

    [Theory]
    [InlineData(784, 400, 20, 784, 300, 20, "[400, 784]", "[300, 784]")]  // hidden size
    [InlineData(784, 400, 20, 784, 400, 10, "[20, 400]", "[10, 400]")]    // latent size
    [InlineData(784, 400, 20, 1024, 400, 20, "[400, 784]", "[400, 1024]")] // image size
    public void Loading_into_a_model_of_another_size_names_the_first_parameter_that_does_not_fit_and_both_shapes(
        int inA, int hiddenA, int latentA, int inB, int hiddenB, int latentB, string shapeA, string shapeB)
    {
        var saved = Vae.Mlp(inA, new[] { hiddenA }, latentA);
        var target = Vae.Mlp(inB, new[] { hiddenB }, latentB);
        string first = FirstDifferent(saved, target);
        var e = Misfit(saved, target, $"'{first}'", $"{shapeA} in the checkpoint", $"{shapeB} in the model");
        Assert.Contains("unchanged", e.Message);
    }

    [Fact]
    public void Loading_into_another_architecture_names_the_first_parameter_that_does_not_fit()
    {
        var saved = Vae.Conv(20, 4);
        var target = Vae.Mlp(784, new[] { 400 }, 20);
        string first = FirstDifferentKey(saved, target);
        Misfit(saved, target, $"'{Checkpoint.Readable(first)}'", $"{Shape(target.state_dict()[first])} in the model");
        var deeper = Autoencoder.Mlp(16, new[] { 8, 8 }, 2);
        var shallow = Autoencoder.Mlp(16, new[] { 8 }, 2);
        Misfit(deeper, shallow, $"'{FirstDifferent(deeper, shallow)}'", "[8, 8] in the checkpoint", "[2, 8] in the model");
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    /// <summary>A module holding just the named parameters.</summary>
    private sealed class Named : nn.Module
    {
        public Named(params (string Name, long[] Shape)[] parameters) : base(nameof(Named))
        {
            foreach (var (name, shape) in parameters) register_parameter(name, new Parameter(randn(shape)));
        }
    }

    [Fact]
    public void A_parameter_the_checkpoint_lacks_is_named()
    {
        Misfit(new Named(("a", [2, 3])), new Named(("a", [2, 3]), ("b", [4])), "the model's parameter 'b' Float32 [4] is not in the checkpoint");
    }

    [Fact]
    public void A_parameter_the_model_lacks_is_named()
    {
        Misfit(new Named(("a", [2, 3]), ("extra", [5, 5])), new Named(("a", [2, 3])), "holds 'extra' Float32 [5, 5], which the model does not have");
    }

    [Fact]
    public void Loading_into_a_model_of_another_element_type_names_both_types()
    {
        var target = Small(2);
        target.to(float64);
        Misfit(Small(1), target, "Float32 [32, 64] in the checkpoint", "Float64 [32, 64] in the model");
    }

    // ---------------------------------------------------------------- truncated, damaged and foreign files

    private InvalidDataException Unusable(string path, params string[] mentions)
    {
        var model = Small(9);
        var before = Snapshot(model);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(model, path));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        output.WriteLine(e.Message);
        Assert.Contains(Path.GetFullPath(path), e.Message);
        foreach (string m in mentions) Assert.Contains(m, e.Message);
        AssertUnchanged(model, before);
        return e;
    }

    private byte[] ValidBytes()
    {
        string path = PathOf("valid.safetensors");
        Checkpoint.Save(Small(1), path);
        byte[] bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    private string Write(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("empty", "is empty")]
    [InlineData("text", "starts with the text \"# notes on the")]
    [InlineData("random-small", "truncated or not a checkpoint")]
    [InlineData("random-large", "not a safetensors file written by Checkpoint.Save")]
    [InlineData("torchsharp", "not a safetensors file written by Checkpoint.Save")]
    [InlineData("gzip", "1F8B")]
    public void A_foreign_file_is_a_clear_InvalidDataException(string kind, string mention)
    {
        var rng = new Random(kind.Length);
        byte[] bytes = kind switch
        {
            "empty" => [],
            "text" => "# notes on the training run\nlearning rate 1e-3\n"u8.ToArray(),
            "random-small" => RandomBytes(rng, 7),
            "random-large" => RandomBytes(rng, 3_000_000),
            "gzip" => [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, .. RandomBytes(rng, 100)],
            _ => TorchSharpFile(),
        };
        Unusable(Write(kind + ".safetensors", bytes), mention);
    }

    private byte[] TorchSharpFile()
    {
        string path = PathOf("torchsharp-format.dat");
        Small(1).save(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    [Theory]
    [InlineData(1, "truncated")]            // one byte of the header's length
    [InlineData(8, "truncated")]            // the header's length only
    [InlineData(30, "truncated")]           // part of the JSON header
    [InlineData(0.5, "truncated")]          // half the file
    [InlineData(-1, "truncated")]           // all but the last byte
    [InlineData(-32, "truncated")]          // part of the last tensor missing
    public void A_truncated_checkpoint_is_a_clear_InvalidDataException(double keep, string mention)
    {
        byte[] bytes = ValidBytes();
        int n = keep switch { < 0 => bytes.Length + (int)keep, < 1 => (int)(bytes.Length * keep), _ => (int)keep };
        Unusable(Write("truncated.safetensors", bytes[..n]), mention);
    }

    [Fact]
    public void A_flipped_data_bit_fails_the_checksum()
    {
        byte[] bytes = ValidBytes();
        Assert.True(bytes.Length / 2 > 8 + (long)BitConverter.ToUInt64(bytes, 0), "the flipped byte is not in the data");
        bytes[bytes.Length / 2] ^= 0x10;
        Unusable(Write("flipped.safetensors", bytes), "SHA-256 checksum does not match");
    }

    [Fact]
    public void Bytes_appended_to_a_checkpoint_are_detected()
    {
        byte[] bytes = [.. ValidBytes(), 1, 2, 3];
        Unusable(Write("appended.safetensors", bytes), "damaged");
    }

    /// <summary>A valid checkpoint with one header field changed; the checksum of the data still matches, so only the header is wrong.</summary>
    [Theory]
    [InlineData("header-length", "truncated or damaged")]
    [InlineData("not-json", "not valid JSON")]
    [InlineData("not-utf8", "not valid UTF-8")]
    [InlineData("no-checksum", "no SHA-256 of the data")]
    [InlineData("dtype", "element type \"Q99\"")]
    [InlineData("rank", "200 dimensions")]
    [InlineData("huge-dimension", "bytes of data")]
    [InlineData("negative-dimension", "negative or non-integer dimension")]
    [InlineData("offsets-past-the-end", "truncated or damaged")]
    [InlineData("overlapping", "overlap or leave a gap")]
    public void A_lying_header_is_rejected_without_allocating_what_it_declares(string field, string mention)
    {
        byte[] bytes = ValidBytes();
        var header = Header(bytes);
        var first = header.First(p => p.Key != "__metadata__").Value!.AsObject();
        var second = header.Where(p => p.Key != "__metadata__").Skip(1).First().Value!.AsObject();
        long dataLength = bytes.Length - 8 - (long)BitConverter.ToUInt64(bytes, 0);
        switch (field)
        {
            case "header-length": BitConverter.GetBytes(1UL << 61).CopyTo(bytes, 0); break;
            case "not-json": bytes[8 + 1] = (byte)'#'; break;
            case "not-utf8": bytes[8 + 3] = 0xFF; break;
            case "no-checksum": header["__metadata__"]!.AsObject().Remove(Checkpoint.ChecksumKey); break;
            case "dtype": first["dtype"] = "Q99"; break;
            case "rank": first["shape"] = new JsonArray(Enumerable.Repeat(1, 200).Select(d => (JsonNode)d).ToArray()); break;
            case "huge-dimension": first["shape"] = new JsonArray(1L << 61, 1L << 61); break;
            case "negative-dimension": first["shape"] = new JsonArray(-5, 64); break;
            case "offsets-past-the-end": first["data_offsets"] = new JsonArray(0, dataLength + (1L << 40)); break;
            case "overlapping": second["data_offsets"] = new JsonArray(0, (long)second["data_offsets"]![1]! - (long)second["data_offsets"]![0]!); break;
        }
        if (field is not ("header-length" or "not-json" or "not-utf8")) bytes = WithHeader(bytes, header);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long residentBefore = Environment.WorkingSet;
        Unusable(Write(field + ".safetensors", bytes), mention);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore < 50_000_000, "managed allocation too large");
        Assert.True(Environment.WorkingSet - residentBefore < 200_000_000, "resident memory grew too much");
    }

    /// <summary>The JSON header of a safetensors file: 8 bytes of length (little-endian), then the JSON.</summary>
    private static JsonObject Header(byte[] bytes) =>
        JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0)))!.AsObject();

    /// <summary>The file with its header replaced by <paramref name="header"/>, its data unchanged.</summary>
    private static byte[] WithHeader(byte[] bytes, JsonObject header)
    {
        int dataStart = 8 + (int)BitConverter.ToUInt64(bytes, 0);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. bytes.AsSpan(dataStart)];
    }

    private static string ChecksumOfData(byte[] bytes) =>
        Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(8 + (int)BitConverter.ToUInt64(bytes, 0))));

    /// <summary>
    /// The file with the SHA-256 in its header recomputed over its data, where its header still has one where a
    /// checkpoint puts it (the 64 hex digits after <c>"sha256":"</c>), so that the parser itself is exercised.
    /// </summary>
    private static byte[] WithChecksum(byte[] bytes)
    {
        if (bytes.Length < 8) return bytes;
        ulong length = BitConverter.ToUInt64(bytes, 0);
        if (length > (ulong)bytes.Length - 8) return bytes;
        int at = bytes.AsSpan(8, (int)length).IndexOf("\"sha256\":\""u8);
        if (at < 0 || at + 10 + 64 > (int)length) return bytes;
        Encoding.ASCII.GetBytes(ChecksumOfData(bytes)).CopyTo(bytes, 8 + at + 10);
        return bytes;
    }

    [Fact]
    public void A_file_that_is_not_a_PyTorch_state_dict_is_a_clear_InvalidDataException_for_LoadPyTorch()
    {
        var model = Small(9);
        var before = Snapshot(model);
        foreach (string path in new[] { Write("ours.safetensors", ValidBytes()), Write("text.pt", "not a pickle"u8.ToArray()) })
        {
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadPyTorch(model, path));
            output.WriteLine(e.Message);
            Assert.Contains($"{path} is not a usable PyTorch state dict", e.Message);
            AssertUnchanged(model, before);
        }
    }

    [Fact]
    public void A_missing_file_or_a_folder_is_a_FileNotFoundException()
    {
        var model = Small(1);
        Assert.Contains("No checkpoint at", Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(model, PathOf("absent.safetensors"))).Message);
        Assert.Contains("is a folder", Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(model, dir)).Message);
    }

    /// <summary>
    /// 1,000 mutated checkpoints of a small model (bit flips, byte overwrites, truncations, insertions, deletions,
    /// half of them with the checksum recomputed so the parser itself is exercised): each load either fails with an
    /// InvalidDataException naming the file and leaves the model unchanged, or succeeds on a file that saving the
    /// loaded model reproduces byte for byte. Nothing else may happen: no other exception, crash, hang or huge allocation.
    /// </summary>
    [Trait("Category", "Slow")]
    [Fact]
    public void A_thousand_mutated_checkpoints_either_load_exactly_or_fail_cleanly()
    {
        manual_seed(3);
        var source = Vae.Mlp(6, new[] { 5 }, 2);
        string validPath = PathOf("fuzz-valid.safetensors");
        Checkpoint.Save(source, validPath);
        byte[] valid = File.ReadAllBytes(validPath);
        var rng = new Random(20240611);
        int rejected = 0, loaded = 0;
        var reasons = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 1000; i++)
        {
            byte[] bytes = Mutate(valid, rng, out string kind);
            if (i % 2 == 0) bytes = WithChecksum(bytes);
            string path = Write($"fuzz-{i}.safetensors", bytes);
            manual_seed(100 + i);
            var model = Vae.Mlp(6, new[] { 5 }, 2);
            var before = Snapshot(model);
            var caseClock = Stopwatch.StartNew();
            try
            {
                Checkpoint.Load(model, path);
                string again = PathOf("fuzz-again.safetensors");
                Checkpoint.Save(model, again);
                Assert.True(File.ReadAllBytes(again).SequenceEqual(bytes), $"case {i} ({kind}) loaded but does not round-trip");
                loaded++;
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
                AssertUnchanged(model, before);
                string reason = e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..];
                reason = new string(reason.TakeWhile(c => !char.IsDigit(c) && c != '\'' && c != '(').ToArray()).Trim();
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} ({kind}, {bytes.Length} bytes) threw {e.GetType().Name}: {e.Message}");
            }
            Assert.True(caseClock.Elapsed < TimeSpan.FromSeconds(5), $"case {i} ({kind}) took {caseClock.Elapsed}");
            File.Delete(path);
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"{loaded} loaded, {rejected} rejected in {clock.Elapsed.TotalSeconds:F1} s, {allocated / 1e6:F0} MB allocated in all");
        foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value)) output.WriteLine($"{count,5}  {reason}");
        Assert.True(rejected > 700, $"only {rejected} rejected");
        Assert.True(reasons.Count >= 8, $"only {reasons.Count} kinds of rejection: the mutations are not varied enough");
    }

    private static byte[] Mutate(byte[] valid, Random rng, out string kind)
    {
        var b = valid.ToList();
        switch (rng.Next(7))
        {
            case 0:
                kind = "bit flip";
                int at = rng.Next(b.Count);
                b[at] ^= (byte)(1 << rng.Next(8));
                break;
            case 1:
                kind = "header byte";
                b[rng.Next(Math.Min(b.Count, 80))] = (byte)rng.Next(256);
                break;
            case 2:
                kind = "truncation";
                int keep = rng.Next(b.Count);
                b.RemoveRange(keep, b.Count - keep);
                break;
            case 3:
                kind = "insertion";
                b.InsertRange(rng.Next(b.Count), RandomBytes(rng, rng.Next(1, 9)));
                break;
            case 4:
                kind = "deletion";
                int from = rng.Next(b.Count - 1);
                b.RemoveRange(from, Math.Min(rng.Next(1, 9), b.Count - from));
                break;
            case 5:
                kind = "overwritten word";
                int word = rng.Next(Math.Min(b.Count, 200) - 8);
                byte[] value = BitConverter.GetBytes(rng.Next(5) switch { 0 => -1L, 1 => long.MaxValue, 2 => rng.NextInt64(0, 1 << 20), 3 => 1L << 40, _ => 0L });
                for (int j = 0; j < 8; j++) b[word + j] = value[j];
                break;
            default:
                kind = "random tail";
                int start = rng.Next(b.Count);
                for (int j = start; j < b.Count; j++) b[j] = (byte)rng.Next(256);
                break;
        }
        return b.ToArray();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Checkpoint_Save_and_Load_paths(string path)
    {
        var model = Vae.Mlp(8, new[] { 4 }, 2);
        Rejects(() => Checkpoint.Save(model, path), "path");
        Rejects(() => Checkpoint.Load(model, path), "path");
        Rejects(() => Checkpoint.Save(null!, "x.bin"), "model");
        Rejects(() => Checkpoint.Load(null!, "x.bin"), "model");
    }
}
