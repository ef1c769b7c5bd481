using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

[assembly: InternalsVisibleTo("VaeCourse.Tests")]

namespace VaeCourse.Training;

/// <summary>
/// Saves and loads a model's parameters (its state dictionary: parameters and buffers) in a small,
/// versioned format of the library's own, never leaving a half-written file under the checkpoint's name.
/// </summary>
/// <remarks>
/// Format, version 1 (all integers little-endian):
/// <list type="bullet">
/// <item>header: the 8 bytes <c>VAECKPT\0</c>, the version (uint32, 1), the number of entries (uint32);</item>
/// <item>per entry, in the model's <c>state_dict()</c> order: the name (uint16 byte length, then UTF-8),
/// the element type (one byte, TorchSharp's <see cref="ScalarType"/> code), the rank (one byte), each
/// dimension (int64), then the elements in row-major order;</item>
/// <item>trailer: the SHA-256 of every byte before it (32 bytes).</item>
/// </list>
/// <see cref="Load"/> reads the names, types and shapes and compares them with the model before it changes
/// anything, so a file that does not fit leaves the model as it was, and the message names the first entry
/// that does not fit with both shapes. Every size read from the file is checked against the file's length
/// before anything is allocated, so a damaged or foreign file gives an <see cref="InvalidDataException"/>,
/// never a huge allocation.
/// </remarks>
public static class Checkpoint
{
    /// <summary>The first bytes of every checkpoint file.</summary>
    public static ReadOnlySpan<byte> Magic => "VAECKPT\0"u8;

    /// <summary>The format version <see cref="Save"/> writes and <see cref="Load"/> reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The suffix of the temporary file a save writes first: <c>&lt;path&gt;.tmp-&lt;process id&gt;-&lt;random&gt;</c>.</summary>
    internal const string TempMarker = ".tmp-";

    private const int MaxNameBytes = 4096;
    private const int MaxRank = 16;
    private const int HashBytes = 32;
    private const int HeaderBytes = 8 + 4 + 4;

    /// <summary>
    /// Writes the parameters of <paramref name="model"/> to a temporary file beside <paramref name="path"/>,
    /// flushes it to disk, then renames it into place: a save that fails or is interrupted at any point
    /// leaves the previous file at <paramref name="path"/> as it was.
    /// </summary>
    /// <exception cref="IOException">The file could not be written; the previous file is unchanged.</exception>
    public static void Save(nn.Module model, string path) => SaveWith(model, path, wrap: null);

    /// <summary><see cref="Save(nn.Module, string)"/> with a hook around the file stream (tests use it to interrupt the write).</summary>
    internal static void SaveWith(nn.Module model, string path, Func<Stream, Stream>? wrap)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        WriteReplacing(path, "checkpoint", file => Write(model, wrap is null ? file : wrap(file)));
    }

    /// <summary>
    /// Writes a file with <paramref name="write"/> into a temporary file beside <paramref name="path"/>, flushes it to
    /// disk, then renames it into place, so that a failed or interrupted write leaves the previous file as it was;
    /// <paramref name="what"/> names the file in the error ("checkpoint").
    /// </summary>
    /// <exception cref="IOException">The file could not be written; the previous file is unchanged.</exception>
    internal static void WriteReplacing(string path, string what, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        DeleteAbandonedTemporaryFiles(full);
        string temp = $"{full}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true); // on disk before the rename, so a power cut cannot leave a renamed empty file
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new IOException($"Could not save the {what} {full}: {e.Message} The previous file at that path, if any, is unchanged.", e);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>
    /// Loads parameters saved by <see cref="Save"/> into <paramref name="model"/>, which must have the same
    /// parameter names, element types and shapes. Nothing in the model changes unless all of them fit.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a checkpoint of this format (empty, text, random bytes, another program's file), is
    /// truncated or damaged, or holds parameters that do not fit the model (the message names the first one
    /// and both shapes). The model is unchanged.
    /// </exception>
    public static void Load(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException(
                Directory.Exists(full) ? $"{full} is a folder, not a checkpoint file." : $"No checkpoint at {full}.", full);

        List<Entry> entries;
        try
        {
            using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            entries = Read(file, full);
        }
        catch (Exception e) when (e is IOException and not FileNotFoundException || e is UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Could not read the checkpoint {full}: {e.Message}", e);
        }

        try
        {
            var targets = Match(model, entries, full);
            using var _ = no_grad();
            for (int i = 0; i < targets.Count; i++)
                targets[i].copy_(entries[i].Data);
        }
        finally
        {
            foreach (var entry in entries) entry.Data.Dispose();
        }
    }

    /// <summary>The names, element types and shapes stored in a checkpoint, without loading it into a model.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed checkpoint.</exception>
    public static IReadOnlyList<(string Name, ScalarType Type, long[] Shape)> Describe(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"No checkpoint at {full}.", full);
        using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var entries = Read(file, full);
        foreach (var e in entries) e.Data.Dispose();
        return entries.Select(e => (e.Name, e.Type, e.Shape)).ToArray();
    }

    private sealed record Entry(string Name, ScalarType Type, long[] Shape, Tensor Data);

    private static void Write(nn.Module model, Stream output)
    {
        var state = model.state_dict();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Put(ReadOnlySpan<byte> bytes)
        {
            output.Write(bytes);
            hash.AppendData(bytes);
        }

        Span<byte> buffer = stackalloc byte[8];
        Put(Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, FormatVersion);
        Put(buffer[..4]);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)state.Count);
        Put(buffer[..4]);
        foreach (var (name, tensor) in state)
        {
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            if (nameBytes.Length is 0 or > MaxNameBytes)
                throw new InvalidOperationException($"The parameter name '{name}' is empty or longer than {MaxNameBytes} bytes.");
            if (ElementSize(tensor.dtype) is not int) // checked before anything of this entry is written
                throw new NotSupportedException($"Parameter '{name}' has element type {tensor.dtype}, which checkpoints do not support.");
            if (tensor.dim() > MaxRank)
                throw new NotSupportedException($"Parameter '{name}' has {tensor.dim()} dimensions; checkpoints support at most {MaxRank}.");
            BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)nameBytes.Length);
            Put(buffer[..2]);
            Put(nameBytes);
            buffer[0] = (byte)tensor.dtype;
            buffer[1] = (byte)tensor.dim();
            Put(buffer[..2]);
            foreach (long d in tensor.shape)
            {
                BinaryPrimitives.WriteInt64LittleEndian(buffer, d);
                Put(buffer);
            }
            using var cpu = tensor.detach().cpu().contiguous();
            if (cpu.numel() > 0) Put(cpu.bytes);
        }
        Span<byte> digest = stackalloc byte[HashBytes];
        hash.GetHashAndReset(digest);
        output.Write(digest);
        output.Flush();
    }

    private static List<Entry> Read(Stream file, string name)
    {
        long length = file.Length;
        InvalidDataException Bad(string problem) => new($"{name} is not a usable checkpoint: {problem}");
        if (length == 0) throw Bad("the file is empty.");
        if (length < HeaderBytes + HashBytes)
            throw StartsWithMagic(file) ? Bad($"the file is truncated ({length} bytes; even an empty checkpoint has {HeaderBytes + HashBytes}).")
                                        : NotACheckpoint(file, name);
        if (!StartsWithMagic(file)) throw NotACheckpoint(file, name);

        var reader = new HashingReader(file, length - HashBytes);
        Span<byte> buffer = stackalloc byte[8];
        reader.Read(buffer[..8], "magic number");
        reader.Read(buffer[..4], "format version");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        if (version != FormatVersion)
            throw Bad(version > FormatVersion
                ? $"it has format version {version}, written by a newer version of the course library; this one reads version {FormatVersion}."
                : $"it has format version {version}; this library reads version {FormatVersion}.");
        reader.Read(buffer[..4], "entry count");
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        // The smallest entry is 5 bytes: name length, a 1-byte name, type, rank.
        if (count > reader.Remaining / 5)
            throw Bad($"the header declares {count} entries, more than the {length} bytes of the file can hold (truncated or damaged).");

        var entries = new List<Entry>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                string where = $"entry {i + 1} of {count}";
                reader.Read(buffer[..2], $"the name length of {where}");
                int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(buffer);
                if (nameLength is 0 or > MaxNameBytes)
                    throw Bad($"{where} has a name of {nameLength} bytes (allowed: 1 to {MaxNameBytes}); the file is damaged.");
                var nameBytes = new byte[nameLength];
                reader.Read(nameBytes, $"the name of {where}");
                string entryName;
                try
                {
                    entryName = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(nameBytes);
                }
                catch (DecoderFallbackException)
                {
                    throw Bad($"the name of {where} is not valid UTF-8; the file is damaged.");
                }
                where = $"entry {i + 1} of {count} ('{Readable(entryName)}')";
                reader.Read(buffer[..2], $"the element type and rank of {where}");
                var type = (ScalarType)buffer[0];
                int rank = buffer[1];
                if (ElementSize(type) is not int elementSize)
                    throw Bad($"{where} has element type code {buffer[0]}, which is not one checkpoints use; the file is damaged.");
                if (rank > MaxRank)
                    throw Bad($"{where} has {rank} dimensions (at most {MaxRank} allowed); the file is damaged.");
                var shape = new long[rank];
                for (int d = 0; d < rank; d++)
                {
                    reader.Read(buffer[..8], $"dimension {d + 1} of {where}");
                    shape[d] = BinaryPrimitives.ReadInt64LittleEndian(buffer);
                    if (shape[d] < 0)
                        throw Bad($"{where} has a negative dimension ({shape[d]}); the file is damaged.");
                }
                // The element count, saturated just above what the rest of the file can hold (no overflow, no huge numbers).
                long cap = reader.Remaining / elementSize + 1, elements = 1;
                foreach (long d in shape)
                    elements = d == 0 || elements == 0 ? 0 : elements > cap / d ? cap : Math.Min(cap, elements * d);
                string shapeText = $"[{string.Join(", ", shape)}]";
                long bytes = elements * elementSize;
                if (bytes > reader.Remaining)
                    throw Bad($"{where} declares {type} {shapeText}, which needs more bytes than the {reader.Remaining} left before the checksum: " +
                              "the file is truncated or damaged.");
                if (bytes > Array.MaxLength)
                    throw Bad($"{where} declares {type} {shapeText}, {bytes} bytes, more than one entry may hold ({Array.MaxLength} bytes).");
                var data = empty(shape, dtype: type);
                entries.Add(new Entry(entryName, type, shape, data));
                if (bytes > 0) reader.Read(data.bytes, $"the data of {where}");
            }
            if (reader.Remaining > 0)
                throw Bad($"{reader.Remaining} unexpected bytes follow the last entry; the file is damaged.");
            Span<byte> stored = stackalloc byte[HashBytes];
            file.ReadExactly(stored);
            if (!reader.Hash().SequenceEqual(stored))
                throw Bad("its SHA-256 checksum does not match its content: the file was damaged after it was written.");
            return entries;
        }
        catch
        {
            foreach (var entry in entries) entry.Data.Dispose();
            throw;
        }
    }

    /// <summary>The model's tensors in the file's order, after checking that names, types and shapes all fit.</summary>
    private static List<Tensor> Match(nn.Module model, List<Entry> entries, string file)
    {
        var state = model.state_dict();
        var stored = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var e in entries)
            if (!stored.TryAdd(e.Name, e))
                throw new InvalidDataException($"{file} is not a usable checkpoint: it holds '{Readable(e.Name)}' twice; the file is damaged.");
        string Shape(long[] s) => $"[{string.Join(", ", s)}]";
        string Hint() => $"The checkpoint must come from Checkpoint.Save of a {model.GetType().Name} built with the same sizes.";

        foreach (var (key, tensor) in state)
        {
            string name = Readable(key);
            if (!stored.TryGetValue(key, out var e))
                throw new InvalidDataException(
                    $"The checkpoint {file} does not fit the {model.GetType().Name}: the model's parameter '{name}' {tensor.dtype} {Shape(tensor.shape)} " +
                    $"is not in the checkpoint (it holds {entries.Count} entries: {string.Join(", ", entries.Take(6).Select(x => $"'{Readable(x.Name)}' {Shape(x.Shape)}"))}{(entries.Count > 6 ? ", ..." : "")}). " +
                    $"{Hint()} The model is unchanged.");
            if (!e.Shape.SequenceEqual(tensor.shape) || e.Type != tensor.dtype)
                throw new InvalidDataException(
                    $"The checkpoint {file} does not fit the {model.GetType().Name}: parameter '{name}' is {e.Type} {Shape(e.Shape)} in the checkpoint " +
                    $"but {tensor.dtype} {Shape(tensor.shape)} in the model. {Hint()} The model is unchanged.");
        }
        foreach (var e in entries)
            if (!state.ContainsKey(e.Name))
                throw new InvalidDataException(
                    $"The checkpoint {file} does not fit the {model.GetType().Name}: it holds '{Readable(e.Name)}' {e.Type} {Shape(e.Shape)}, which the model does not have. {Hint()} The model is unchanged.");
        return entries.Select(e => state[e.Name]).ToList();
    }

    /// <summary>A parameter name as people write it: TorchSharp names properties' backing fields <c>&lt;Encoder&gt;k__BackingField</c>; this shows <c>Encoder</c>.</summary>
    internal static string Readable(string name) => BackingField.Replace(name, "$1");

    private static readonly System.Text.RegularExpressions.Regex BackingField = new(@"<([^<>]+)>k__BackingField");

    private static bool StartsWithMagic(Stream file)
    {
        Span<byte> head = stackalloc byte[8];
        file.Position = 0;
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return n == head.Length && head.SequenceEqual(Magic);
    }

    private static InvalidDataException NotACheckpoint(Stream file, string name)
    {
        Span<byte> head = stackalloc byte[16];
        file.Position = 0;
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        bool text = head.Length > 0 && !head.ContainsAnyExcept(Printable);
        string what = text ? $"it starts with the text \"{Encoding.ASCII.GetString(head).ReplaceLineEndings(" ")}\""
                           : $"it starts with the bytes {Convert.ToHexString(head)}";
        return new InvalidDataException(
            $"{name} is not a checkpoint written by Checkpoint.Save: {what}, not \"VAECKPT\". " +
            "Give the path of a file saved with Checkpoint.Save (files from TorchSharp's Module.save or PyTorch are not read).");
    }

    private static readonly System.Buffers.SearchValues<byte> Printable =
        System.Buffers.SearchValues.Create(Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b).Concat("\t\r\n"u8.ToArray()).ToArray());

    /// <summary>Bytes per element of the types checkpoints store; null for others.</summary>
    private static int? ElementSize(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => null,
    };

    /// <summary>Deletes temporary files of earlier saves to the same path whose process no longer runs (killed mid-save).</summary>
    private static void DeleteAbandonedTemporaryFiles(string full)
    {
        try
        {
            string prefix = Path.GetFileName(full) + TempMarker;
            foreach (string temp in Directory.EnumerateFiles(Path.GetDirectoryName(full)!, prefix + "*"))
            {
                string rest = Path.GetFileName(temp)[prefix.Length..];
                int dash = rest.IndexOf('-');
                if (dash > 0 && int.TryParse(rest[..dash], out int pid) && !IsRunning(pid))
                    TryDelete(temp);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Reads exact byte counts from a stream up to a limit, hashing what it reads; running out is a truncation error.</summary>
    private sealed class HashingReader(Stream stream, long limit)
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long position;

        public long Remaining => limit - position;

        public void Read(Span<byte> into, string what)
        {
            if (into.Length > Remaining)
                throw new InvalidDataException(
                    $"{(stream as FileStream)?.Name ?? "the stream"} is not a usable checkpoint: the file ends before {what} " +
                    $"(needs {into.Length} bytes, {Math.Max(0, Remaining)} left before the checksum); it is truncated or damaged.");
            stream.ReadExactly(into);
            hash.AppendData(into);
            position += into.Length;
        }

        public byte[] Hash() => hash.GetHashAndReset();
    }
}
