using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

[assembly: InternalsVisibleTo("VaeCourse.Tests")]

namespace VaeCourse.Training;

/// <summary>
/// Saves and loads a model's parameters (its state dictionary: parameters and buffers) as safetensors, the format of
/// Hugging Face's <c>safetensors</c> library that PyTorch users read with <c>safetensors.torch.load_file</c>, and loads a
/// state dictionary that PyTorch wrote with <c>torch.save</c>; a save never leaves a half-written file under the checkpoint's name.
/// </summary>
/// <remarks>
/// A safetensors file is the header's length (uint64, little-endian), the header (JSON: for each tensor its
/// <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> into the data), then the tensors' bytes, row-major. It holds no
/// code, unlike a pickle, and states every shape. The format has no checksum, so <see cref="Save"/> puts the SHA-256
/// of the data into the header's <c>__metadata__</c> (the string map the format provides) as <c>sha256</c>, and
/// <see cref="Load"/> refuses a file whose data does not match it. TorchSharp.PyBridge's writer takes no metadata, so
/// the header is written here with System.Text.Json, and the tensors are read here once the header has been checked
/// (PyBridge's safetensors reader fails inside a notebook kernel); PyBridge reads PyTorch's <c>torch.save</c> files for
/// <see cref="LoadPyTorch"/>. Names are those PyTorch would give: TorchSharp names a property's backing field
/// <c>&lt;Encoder&gt;k__BackingField</c>, stored as <c>Encoder</c> (<see cref="Readable"/>); a model in which two names
/// would become one is refused. <see cref="Load"/> and <see cref="LoadPyTorch"/> compare names, element types and shapes
/// with the model before anything changes, so a file that does not fit leaves the model as it was, and the message names
/// the first entry that does not fit with both shapes. Every size read from a file is checked against the file's length
/// before anything is allocated, so a damaged or foreign file gives an <see cref="InvalidDataException"/>, never a huge allocation.
/// </remarks>
public static class Checkpoint
{
    /// <summary>The file extension of the course's checkpoints.</summary>
    public const string Extension = ".safetensors";

    /// <summary>The key in the header's <c>__metadata__</c> that holds the SHA-256 of the data (64 lower-case hex digits).</summary>
    public const string ChecksumKey = "sha256";

    /// <summary>The suffix of the temporary file a save writes first: <c>&lt;path&gt;.tmp-&lt;process id&gt;-&lt;random&gt;</c>.</summary>
    internal const string TempMarker = ".tmp-";

    private const string MetadataKey = "__metadata__";
    private const int MaxRank = 16;
    private const int MaxHeaderBytes = 100 << 20; // the safetensors library's own limit

    /// <summary>The safetensors names of the element types checkpoints store, and their sizes in bytes.</summary>
    private static readonly Dictionary<ScalarType, (string Name, int Size)> Types = new()
    {
        [ScalarType.Float64] = ("F64", 8), [ScalarType.Float32] = ("F32", 4), [ScalarType.Float16] = ("F16", 2),
        [ScalarType.BFloat16] = ("BF16", 2), [ScalarType.Int64] = ("I64", 8), [ScalarType.Int32] = ("I32", 4),
        [ScalarType.Int16] = ("I16", 2), [ScalarType.Int8] = ("I8", 1), [ScalarType.Byte] = ("U8", 1), [ScalarType.Bool] = ("BOOL", 1),
    };

    /// <summary>
    /// Writes the parameters of <paramref name="model"/> as safetensors to a temporary file beside <paramref name="path"/>,
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
    /// The file is not a checkpoint written by <see cref="Save"/> (empty, text, random bytes, another program's file), is
    /// truncated or damaged, or holds parameters that do not fit the model (the message names the first one
    /// and both shapes). The model is unchanged.
    /// </exception>
    public static void Load(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        string full = Existing(path);
        CopyInto(model, Read(full, readData: true), full, "Checkpoint.Save");
    }

    /// <summary>
    /// Loads a state dictionary that PyTorch wrote with <c>torch.save(model.state_dict(), path)</c> into
    /// <paramref name="model"/>, whose parameters must have the same names (as <see cref="Describe"/> shows them, e.g.
    /// <c>Encoder.body.0.weight</c>), element types and shapes. Nothing in the model changes unless all of them fit.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a PyTorch state dictionary, or it does not fit the model. The model is unchanged.</exception>
    public static void LoadPyTorch(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        string full = Existing(path);
        using (var file = File.OpenRead(full))
        {
            Span<byte> head = stackalloc byte[4];
            if (file.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4 || !head.SequenceEqual("PK\x03\x04"u8))
                throw new InvalidDataException(
                    $"{full} is not a usable PyTorch state dict: it is not the zip archive torch.save writes ({StartOf(file)}). " +
                    "Give a file written by torch.save(model.state_dict(), path); a checkpoint of Checkpoint.Save loads with Checkpoint.Load.");
        }
        var entries = new List<Entry>();
        try
        {
            foreach (System.Collections.DictionaryEntry e in PyTorchUnpickler.UnpickleStateDict(full))
            {
                if (e.Key is not string name || e.Value is not Tensor tensor)
                    throw new InvalidDataException($"{full} is not a usable PyTorch state dict: the entry '{e.Key}' is a {e.Value?.GetType().Name ?? "null"}, not a tensor.");
                entries.Add(new Entry(name, tensor.dtype, tensor.shape, tensor));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            foreach (var entry in entries) entry.Data!.Dispose();
            if (e is InvalidDataException) throw;
            throw new InvalidDataException(
                $"{full} is not a usable PyTorch state dict: {e.Message} Give a file written by torch.save(model.state_dict(), path) " +
                "(a whole model saved with torch.save(model) is not read).", e);
        }
        CopyInto(model, entries, full, "torch.save(model.state_dict()) of a PyTorch model with the layers");
    }

    /// <summary>The names, element types and shapes stored in a checkpoint, in the file's order, without loading it into a model.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed checkpoint.</exception>
    public static IReadOnlyList<(string Name, ScalarType Type, long[] Shape)> Describe(string path) =>
        Read(Existing(path), readData: false).Select(e => (e.Name, e.Type, e.Shape)).ToArray();

    private sealed record Entry(string Name, ScalarType Type, long[] Shape, Tensor? Data);

    private static string Existing(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException(
                Directory.Exists(full) ? $"{full} is a folder, not a checkpoint file." : $"No checkpoint at {full}.", full);
        return full;
    }

    /// <summary>The model's state under the names a checkpoint stores (<see cref="Readable"/>), in the model's order.</summary>
    private static Dictionary<string, Tensor> StateOf(nn.Module model)
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in model.state_dict())
            if (!state.TryAdd(Readable(key), tensor))
                throw new InvalidOperationException(
                    $"The {model.GetType().Name} has two entries named '{Readable(key)}' once backing-field names are tidied; a checkpoint cannot tell them apart.");
        return state;
    }

    private static void Write(nn.Module model, Stream output)
    {
        var state = StateOf(model);
        var data = new List<byte[]>(state.Count); // gathered first: the header holds the data's SHA-256
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in state)
        {
            if (!Types.ContainsKey(tensor.dtype))
                throw new NotSupportedException($"Parameter '{name}' has element type {tensor.dtype}, which checkpoints do not support.");
            using var cpu = tensor.detach().cpu().contiguous();
            data.Add(cpu.bytes.ToArray());
            sha.AppendData(data[^1]);
        }
        byte[] header = Header(state.Select((kv, i) => (kv.Key, kv.Value.dtype, kv.Value.shape, (long)data[i].Length)),
            Convert.ToHexStringLower(sha.GetHashAndReset()));
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        output.Write(length);
        output.Write(header);
        foreach (byte[] bytes in data) output.Write(bytes);
        output.Flush();
    }

    /// <summary>
    /// The JSON header <see cref="Save"/> writes: the checksum in <c>__metadata__</c>, then each tensor's dtype, shape and
    /// data offsets in order, padded with spaces to a multiple of 8 bytes as the format recommends.
    /// </summary>
    private static byte[] Header(IEnumerable<(string Name, ScalarType Type, long[] Shape, long Bytes)> tensors, string checksum)
    {
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject(MetadataKey);
            json.WriteString("format", "pt");
            json.WriteString(ChecksumKey, checksum);
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, type, shape, bytes) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", Types[type].Name);
                json.WriteStartArray("shape");
                foreach (long d in shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += bytes);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');
        return header.ToArray();
    }

    /// <summary>
    /// Reads and checks a safetensors checkpoint's header (sizes against the file's length, types, shapes, offsets) and
    /// the SHA-256 of its data, then, with <paramref name="readData"/>, its tensors.
    /// </summary>
    private static List<Entry> Read(string full, bool readData)
    {
        InvalidDataException Bad(string why) => new($"{full} is not a usable checkpoint: {why}");
        try
        {
            using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            long length = file.Length;
            if (length == 0) throw Bad("the file is empty.");
            if (length < 8)
                throw Bad($"the file has {length} bytes, fewer than the 8 of a safetensors header's length; it is truncated or not a checkpoint.");
            Span<byte> head = stackalloc byte[9];
            int got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(head);
            if (got == 9 && head[8] != (byte)'{') throw NotACheckpoint(file, full);
            if (headerLength > (ulong)(length - 8))
                throw Bad($"its header declares {headerLength} bytes but only {length - 8} follow; the file is truncated or damaged.");
            if (headerLength < 2 || headerLength > MaxHeaderBytes)
                throw Bad($"its header declares {headerLength} bytes, not between 2 and {MaxHeaderBytes}; the file is damaged.");

            byte[] headerBytes = new byte[headerLength];
            file.Position = 8;
            file.ReadExactly(headerBytes);
            long dataStart = 8 + (long)headerLength, dataLength = length - dataStart;
            var (entries, checksum) = ParseHeader(headerBytes, dataLength, Bad);

            file.Position = dataStart;
            string actual = Convert.ToHexStringLower(SHA256.HashData(file));
            if (checksum is null)
                throw Bad($"its header has no SHA-256 of the data ({MetadataKey}.{ChecksumKey}); it was not written by Checkpoint.Save.");
            if (!string.Equals(actual, checksum, StringComparison.Ordinal))
                throw Bad("its SHA-256 checksum does not match its data: the file was damaged after it was written.");
            // The checksum covers the data only; the header must be exactly the one Save writes for these tensors.
            if (!Header(entries.Select(e => (e.Name, e.Type, e.Shape, e.Shape.Aggregate(1L, (n, d) => n * d) * Types[e.Type].Size)), checksum).AsSpan().SequenceEqual(headerBytes))
                throw Bad("its header differs from the one Checkpoint.Save writes for the tensors it lists (changed metadata, order or spacing); the file is damaged.");
            if (!readData) return entries;

            // The header was checked whole: the tensors lie one after the other, in its order, from dataStart. They are
            // read here rather than by PyBridge's Safetensors.LoadStateDict, which fails with MissingMethodException
            // inside a .NET Interactive kernel (its TorchSharp reference binds to another load of TorchSharp there).
            file.Position = dataStart;
            var read = new List<Entry>(entries.Count);
            foreach (var e in entries)
            {
                var tensor = empty(e.Shape, dtype: e.Type);
                file.ReadExactly(tensor.bytes);
                read.Add(e with { Data = tensor });
            }
            return read;
        }
        catch (Exception e) when (e is IOException and not FileNotFoundException || e is UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Could not read the checkpoint {full}: {e.Message}", e);
        }
    }

    /// <summary>The entries of a safetensors header, in its order, and the checksum in its metadata; every field checked.</summary>
    private static (List<Entry> Entries, string? Checksum) ParseHeader(byte[] header, long dataLength, Func<string, InvalidDataException> bad)
    {
        if (!System.Text.Unicode.Utf8.IsValid(header)) throw bad("its header is not valid UTF-8 text; the file is damaged.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw bad($"its header is not valid JSON ({e.Message}); the file is damaged.");
        }
        using var _ = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw bad($"its header is a JSON {document.RootElement.ValueKind}, not an object; the file is damaged.");

        var entries = new List<Entry>();
        var spans = new List<(long Begin, long End, string Name)>();
        string? checksum = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            string name = property.Name;
            var value = property.Value;
            if (name == MetadataKey)
            {
                if (value.ValueKind != JsonValueKind.Object) throw bad($"its {MetadataKey} is not a map of strings; the file is damaged.");
                if (value.TryGetProperty(ChecksumKey, out var sum))
                    checksum = sum.ValueKind == JsonValueKind.String ? sum.GetString() : throw bad($"its checksum is not a string; the file is damaged.");
                continue;
            }
            if (value.ValueKind != JsonValueKind.Object
                || !value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
                || !value.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array
                || !value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
                throw bad($"the tensor '{name}' in its header lacks a dtype, shape or pair of data_offsets; the file is damaged.");
            var type = Types.FirstOrDefault(t => t.Value.Name == dtype.GetString());
            if (type.Value.Name is null)
                throw bad($"the tensor '{name}' has element type \"{dtype.GetString()}\", which checkpoints do not use; the file is damaged.");
            if (shapeJson.GetArrayLength() > MaxRank)
                throw bad($"the tensor '{name}' has {shapeJson.GetArrayLength()} dimensions (at most {MaxRank} allowed); the file is damaged.");
            var shape = shapeJson.EnumerateArray().Select(d => d.TryGetInt64(out long n) ? n : -1).ToArray();
            if (shape.Any(d => d < 0))
                throw bad($"the tensor '{name}' has a negative or non-integer dimension; the file is damaged.");
            long begin = offsets[0].TryGetInt64(out long b) ? b : -1, end = offsets[1].TryGetInt64(out long e) ? e : -1;
            if (begin < 0 || end < begin)
                throw bad($"the tensor '{name}' has data offsets that are not an increasing pair of integers; the file is damaged.");
            if (end > dataLength)
                throw bad($"the tensor '{name}' ends at byte {end} of the data, which has {dataLength}; the file is truncated or damaged.");
            // The element count, saturated just above what the data can hold (no overflow, no huge numbers).
            long cap = dataLength / type.Value.Size + 1, elements = 1;
            foreach (long d in shape)
                elements = d == 0 || elements == 0 ? 0 : elements > cap / d ? cap : Math.Min(cap, elements * d);
            if (elements * type.Value.Size != end - begin)
                throw bad($"the tensor '{name}' declares {type.Value.Name} [{string.Join(", ", shape)}] but {end - begin} bytes of data; the file is damaged.");
            entries.Add(new Entry(name, type.Key, shape, null));
            spans.Add((begin, end, name));
        }
        long next = 0;
        foreach (var (begin, end, name) in spans.OrderBy(s => s.Begin))
        {
            if (begin != next) throw bad($"the data of '{name}' starts at byte {begin}, not {next}: the tensors overlap or leave a gap; the file is damaged.");
            next = end;
        }
        if (next != dataLength)
            throw bad($"{dataLength - next} unexpected bytes follow the last tensor; the file is damaged.");
        return (entries, checksum);
    }

    /// <summary>Copies <paramref name="entries"/> into the model after checking that names, types and shapes all fit; disposes them.</summary>
    private static void CopyInto(nn.Module model, List<Entry> entries, string file, string writer)
    {
        try
        {
            var targets = Match(model, entries, file, writer);
            using var _ = no_grad();
            for (int i = 0; i < targets.Count; i++)
                targets[i].copy_(entries[i].Data!);
        }
        finally
        {
            foreach (var entry in entries) entry.Data?.Dispose();
        }
    }

    /// <summary>The model's tensors in the file's order, after checking that names, types and shapes all fit.</summary>
    private static List<Tensor> Match(nn.Module model, List<Entry> entries, string file, string writer)
    {
        var state = StateOf(model);
        var stored = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var e in entries)
            if (!stored.TryAdd(e.Name, e))
                throw new InvalidDataException($"{file} is not a usable checkpoint: it holds '{e.Name}' twice; the file is damaged.");
        string Shape(long[] s) => $"[{string.Join(", ", s)}]";
        string Hint() => $"The checkpoint must come from {writer} of a {model.GetType().Name} built with the same sizes.";

        foreach (var (name, tensor) in state)
        {
            if (!stored.TryGetValue(name, out var e))
                throw new InvalidDataException(
                    $"The checkpoint {file} does not fit the {model.GetType().Name}: the model's parameter '{name}' {tensor.dtype} {Shape(tensor.shape)} " +
                    $"is not in the checkpoint (it holds {entries.Count} entries: {string.Join(", ", entries.Take(6).Select(x => $"'{x.Name}' {Shape(x.Shape)}"))}{(entries.Count > 6 ? ", ..." : "")}). " +
                    $"{Hint()} The model is unchanged.");
            if (!e.Shape.SequenceEqual(tensor.shape) || e.Type != tensor.dtype)
                throw new InvalidDataException(
                    $"The checkpoint {file} does not fit the {model.GetType().Name}: parameter '{name}' is {e.Type} {Shape(e.Shape)} in the checkpoint " +
                    $"but {tensor.dtype} {Shape(tensor.shape)} in the model. {Hint()} The model is unchanged.");
        }
        foreach (var e in entries)
            if (!state.ContainsKey(e.Name))
                throw new InvalidDataException(
                    $"The checkpoint {file} does not fit the {model.GetType().Name}: it holds '{e.Name}' {e.Type} {Shape(e.Shape)}, which the model does not have. {Hint()} The model is unchanged.");
        return entries.Select(e => state[e.Name]).ToList();
    }

    /// <summary>A parameter name as people write it: TorchSharp names properties' backing fields <c>&lt;Encoder&gt;k__BackingField</c>; this shows <c>Encoder</c>.</summary>
    internal static string Readable(string name) => BackingField.Replace(name, "$1");

    private static readonly System.Text.RegularExpressions.Regex BackingField = new(@"<([^<>]+)>k__BackingField");

    private static InvalidDataException NotACheckpoint(Stream file, string name) => new(
        $"{name} is not a usable checkpoint: it is not a safetensors file written by Checkpoint.Save ({StartOf(file)}, and no JSON header follows the first 8 bytes). " +
        "Give the path of a file saved with Checkpoint.Save; a state dict that PyTorch saved with torch.save loads with Checkpoint.LoadPyTorch " +
        "(TorchSharp's Module.save format is not read).");

    /// <summary>The first bytes of a file, as text if they are printable, else in hex: "it starts with ...".</summary>
    private static string StartOf(Stream file)
    {
        Span<byte> head = stackalloc byte[16];
        file.Position = 0;
        int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (n == 0) return "it is empty";
        return !head.ContainsAnyExcept(Printable) ? $"it starts with the text \"{Encoding.ASCII.GetString(head).ReplaceLineEndings(" ")}\""
                                                  : $"it starts with the bytes {Convert.ToHexString(head)}";
    }

    private static readonly System.Buffers.SearchValues<byte> Printable =
        System.Buffers.SearchValues.Create(Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b).Concat("\t\r\n"u8.ToArray()).ToArray());

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
}
