using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using VaeCourse.Data;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Training;

/// <summary>
/// Trained models reused: <see cref="TrainOrLoad"/> trains a model as <c>new Trainer(model, options).Fit(train, test, progress)</c>
/// does, and stores the trained parameters and the training history; called again with everything that decides the result
/// unchanged (<see cref="ModelCacheKey"/>), it loads them instead, in about a second. Notebooks that train the same model with
/// the same settings share one entry. <see cref="ComputeOrLoad"/> does the same for a costly result computed from a model (an
/// evaluation over a test set), keyed by the model's parameters, the computation, its input and the random state.
/// </summary>
/// <remarks>
/// An entry is two files in the cache folder (<c>artifacts/models/</c> of the repository by default), named after the model's
/// type and the key: <c>&lt;type&gt;-&lt;key&gt;.safetensors</c>, the parameters as a <see cref="Checkpoint"/>, and
/// <c>&lt;type&gt;-&lt;key&gt;.json</c>, the manifest: the key's description, the SHA-256 of the checkpoint file, when and how
/// long it trained, and the history. Each is written to a temporary file and renamed into place, the checkpoint first, so a
/// run killed while saving leaves either no manifest or a manifest whose checksum does not match the checkpoint: neither loads.
/// An entry that does not load (damaged, truncated, written for other settings, foreign) is trained again and replaced, with a
/// one-line warning. The environment variable VAE_FRESH=1 (<see cref="Course.Fresh"/>) ignores entries: every model is trained
/// and its entry replaced.
/// </remarks>
public static class ModelCache
{
    /// <summary>The manifest's format, first field of every manifest.</summary>
    public const string ManifestFormat = "VaeCourse model cache entry, version 1";

    /// <summary>The format of a stored result, first field of every result entry.</summary>
    public const string ResultFormat = "VaeCourse model cache result, version 1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN and infinities in a result
    };

    /// <summary>The default cache folder: <c>models/</c> in <see cref="Course.ArtifactsFolder"/> (<c>artifacts/models</c> of the repository unless VAE_ARTIFACTS says otherwise).</summary>
    /// <exception cref="InvalidOperationException">No repository root was found and VAE_ARTIFACTS is unset; the message names where it looked.</exception>
    public static string DefaultFolder => Path.Combine(Course.ArtifactsFolder, "models");

    /// <summary>
    /// Loads <paramref name="model"/>'s trained parameters and history from the cache when an entry with its key exists
    /// (and VAE_FRESH is not set); otherwise trains it with a <see cref="Trainer"/>, reporting to <paramref name="progress"/>,
    /// and stores the entry. The key is computed before anything changes: build and seed the model just as for training.
    /// </summary>
    /// <param name="model">The model, with its initial parameters (they are part of the key).</param>
    /// <param name="options">The training settings; a custom <see cref="TrainerOptions.Optimizer"/> cannot be keyed and is refused.</param>
    /// <param name="train">Training data [N, D].</param>
    /// <param name="test">Held-out data evaluated after each epoch, or null.</param>
    /// <param name="progress">Called during training, as by <see cref="Trainer.Fit"/>; not called when the model is loaded.</param>
    /// <param name="folder">The cache folder; null for <see cref="DefaultFolder"/>.</param>
    /// <param name="afterEpoch">
    /// A measurement of the model taken after each epoch of training (for example <c>ActiveUnits.Activity</c> on held-out
    /// data), stored with the entry and returned in <see cref="ModelCacheResult.AfterEpoch"/>, loaded or measured. Its name
    /// is part of the key: it should say what the function computes, with every setting, as a computation of
    /// <see cref="ComputeOrLoad"/> does. The function's own code is not part of the key.
    /// </param>
    /// <returns>Whether the model was loaded or trained, the history (and the measurements), and the entry's file.</returns>
    public static ModelCacheResult TrainOrLoad(LatentModel model, TrainerOptions options, Tensor train, Tensor? test = null,
        Action<TrainingProgress>? progress = null, string? folder = null, (string Name, Func<double[]> Measure)? afterEpoch = null) =>
        TrainOrLoadWith(model, options, train, test, progress, folder, wrap: null, afterEpoch);

    /// <summary><see cref="TrainOrLoad"/> with a hook around the files' streams while saving (tests use it to interrupt a save).</summary>
    internal static ModelCacheResult TrainOrLoadWith(LatentModel model, TrainerOptions options, Tensor train, Tensor? test,
        Action<TrainingProgress>? progress, string? folder, Func<Stream, Stream>? wrap, (string Name, Func<double[]> Measure)? afterEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (afterEpoch is { } given && (string.IsNullOrWhiteSpace(given.Name) || given.Measure is null))
            throw new ArgumentException("afterEpoch needs a name (what the measurement computes, for the key) and a function.", nameof(afterEpoch));
        var key = ModelCacheKey.Of(model, options, train, test, afterEpoch?.Name);
        string stem = Path.Combine(Path.GetFullPath(folder ?? DefaultFolder), $"{model.GetType().Name}-{key.Hash[..20]}");
        string checkpoint = stem + Checkpoint.Extension, manifest = stem + ".json";

        string? warning = null;
        if (!Course.Fresh && File.Exists(manifest))
        {
            try
            {
                var stored = Read(manifest, checkpoint, key, options, measured: afterEpoch is not null);
                Checkpoint.Load(model, checkpoint); // checks names, types and shapes first: the model is unchanged if it throws
                model.eval();
                return new ModelCacheResult(stored.History, Loaded: true, Saved: false, checkpoint, stored.TrainedAt, stored.TrainingSeconds, Warning: null)
                    { AfterEpoch = stored.AfterEpoch };
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or JsonException)
            {
                warning = Warn($"model cache: the entry {manifest} does not load ({OneLine(e.Message)}); training again and replacing it.");
            }
        }

        var clock = Stopwatch.StartNew();
        List<double[]>? measurements = afterEpoch is null ? null : new();
        var history = new Trainer(model, options).Fit(train, test, afterEpoch is not { } measure ? progress : p =>
        {
            if (p.Finished is not null) measurements!.Add(measure.Measure() ?? throw new InvalidOperationException($"The measurement \"{measure.Name}\" returned no values."));
            progress?.Invoke(p);
        });
        double seconds = clock.Elapsed.TotalSeconds;
        var trainedAt = DateTimeOffset.UtcNow;
        bool saved = false;
        try
        {
            Checkpoint.SaveWith(model, checkpoint, wrap);
            var entry = new Manifest(ManifestFormat, key.Hash, key.Lines,
                Path.GetFileName(checkpoint), Sha256Of(checkpoint), trainedAt, seconds, history.Epochs.ToArray(), measurements?.ToArray());
            Checkpoint.WriteReplacing(manifest, "model cache manifest", file => JsonSerializer.Serialize(wrap is null ? file : wrap(file), entry, Json));
            saved = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warning = Warn($"model cache: could not save the trained model ({OneLine(e.Message)}); it is trained, but the next run trains it again.");
        }
        return new ModelCacheResult(history, Loaded: false, saved, checkpoint, trainedAt, seconds, warning) { AfterEpoch = measurements };
    }

    /// <summary>
    /// Loads a result computed from a model (an evaluation, such as an importance-weighted bound over a test set) when the cache
    /// holds it for the same model, computation, input and random state (and VAE_FRESH is not set); otherwise runs
    /// <paramref name="compute"/> and stores its result. The key (<see cref="ModelCacheKey.OfComputation"/>) holds the library's
    /// identity, the model's architecture and current parameters, <paramref name="computation"/>, the input's values and the
    /// state of libtorch's default random generator, so a stored result is the one computing it now would give. On a load, the
    /// generator is put in the state the computation left it in, so what the notebook draws afterwards is the same either way.
    /// </summary>
    /// <param name="model">The model the result is computed from, as it is now.</param>
    /// <param name="computation">
    /// What <paramref name="compute"/> does, with every setting that is not in the model, the input, the library's code or the
    /// random state: for example <c>"ImportanceWeighted.PerExample k=1000"</c>. The function's own code is not part of the key,
    /// so it should call the library and pass only what this text names.
    /// </param>
    /// <param name="input">The data the computation reads.</param>
    /// <param name="compute">The computation; its result (any element type the checkpoints store, any shape) is stored as exact values.</param>
    /// <param name="folder">The cache folder; null for <see cref="DefaultFolder"/>.</param>
    /// <returns>Whether the result was loaded or computed, the result, and the entry's file.</returns>
    /// <remarks>
    /// An entry is one JSON file, <c>&lt;model type&gt;-result-&lt;key&gt;.json</c>, written to a temporary file and renamed. An entry
    /// that does not load (damaged, truncated, written for other settings, foreign) is computed again and replaced, with a one-line warning.
    /// </remarks>
    public static ComputationResult ComputeOrLoad(nn.Module model, string computation, Tensor input, Func<Tensor> compute, string? folder = null)
    {
        ArgumentNullException.ThrowIfNull(compute);
        var key = ModelCacheKey.OfComputation(model, computation, input);
        string path = Path.Combine(Path.GetFullPath(folder ?? DefaultFolder), $"{model.GetType().Name}-result-{key.Hash[..20]}.json");

        string? warning = null;
        if (!Course.Fresh && File.Exists(path))
        {
            try
            {
                var (value, stored) = ReadResult(path, key);
                using (var state = tensor(Convert.FromBase64String(stored.RandomStateAfter), ScalarType.Byte))
                    Generator.Default.set_state(state);
                return new ComputationResult(value, Loaded: true, Saved: false, path, stored.ComputedAt, stored.Seconds, Warning: null);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or JsonException or FormatException)
            {
                warning = Warn($"model cache: the result {path} does not load ({OneLine(e.Message)}); computing it again and replacing it.");
            }
        }

        var clock = Stopwatch.StartNew();
        var result = compute() ?? throw new InvalidOperationException($"The computation \"{computation}\" returned no tensor.");
        double seconds = clock.Elapsed.TotalSeconds;
        var computedAt = DateTimeOffset.UtcNow;
        string? type = StoredTypes.FirstOrDefault(t => t.Value == result.dtype).Key;
        if (type is null)
            throw new ArgumentException($"The model cache cannot store a result of element type {result.dtype} (\"{computation}\"); " +
                $"it stores {string.Join(", ", StoredTypes.Keys)}.", nameof(compute));
        bool saved = false;
        try
        {
            double[] values;
            using (var host = result.detach().cpu().to(ScalarType.Float64).contiguous())
                values = host.data<double>().ToArray();
            string randomState;
            using (var state = Generator.Default.get_state())
                randomState = Convert.ToBase64String(state.bytes);
            var entry = new ResultEntry(ResultFormat, key.Hash, key.Lines,
                type, result.shape, values, randomState, computedAt, seconds);
            Checkpoint.WriteReplacing(path, "model cache result", file => JsonSerializer.Serialize(file, entry, Json));
            saved = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warning = Warn($"model cache: could not save the result ({OneLine(e.Message)}); it is computed, but the next run computes it again.");
        }
        return new ComputationResult(result, Loaded: false, saved, path, computedAt, seconds, warning);
    }

    /// <summary>The element types a stored result can have, by the name the entry gives them: each converts to float64 and back exactly.</summary>
    private static readonly Dictionary<string, ScalarType> StoredTypes = new()
    {
        ["float64"] = ScalarType.Float64, ["float32"] = ScalarType.Float32, ["int64"] = ScalarType.Int64,
        ["int32"] = ScalarType.Int32, ["bool"] = ScalarType.Bool,
    };

    /// <summary>The result stored at <paramref name="path"/>, after checking that it is one of this cache, for this key, and whole.</summary>
    private static (Tensor Value, ResultEntry Entry) ReadResult(string path, ModelCacheKey key)
    {
        ResultEntry? entry;
        using (var file = File.OpenRead(path))
            entry = JsonSerializer.Deserialize<ResultEntry>(file, Json);
        if (entry is null || entry.Format != ResultFormat)
            throw new InvalidDataException($"it is not a result of this model cache (its format is \"{entry?.Format}\", expected \"{ResultFormat}\")");
        if (!key.IsStoredAs(entry.Key, entry.Description))
            throw new InvalidDataException($"it was written for another model, computation, input or random state (key {entry.Key[..Math.Min(20, entry.Key.Length)]}, expected {key.Hash[..20]})");
        if (!StoredTypes.TryGetValue(entry.Type, out var type))
            throw new InvalidDataException($"its element type \"{entry.Type}\" is not one of {string.Join(", ", StoredTypes.Keys)}");
        if (entry.Shape.Any(n => n < 0) || entry.Shape.Aggregate(1L, (a, n) => a * n) != entry.Values.Length)
            throw new InvalidDataException($"its shape [{string.Join(", ", entry.Shape)}] does not hold its {entry.Values.Length} values");
        var value = tensor(entry.Values, ScalarType.Float64).reshape(entry.Shape).to(type);
        return (value, entry);
    }

    /// <summary>The manifest at <paramref name="path"/>, after checking that it is one of this cache, for this key, and matches its checkpoint.</summary>
    private static (TrainingHistory History, DateTimeOffset TrainedAt, double TrainingSeconds, double[][]? AfterEpoch) Read(
        string path, string checkpoint, ModelCacheKey key, TrainerOptions options, bool measured)
    {
        Manifest? entry;
        using (var file = File.OpenRead(path))
            entry = JsonSerializer.Deserialize<Manifest>(file, Json);
        InvalidDataException Bad(string problem) => new(problem);
        if (entry is null || entry.Format != ManifestFormat)
            throw Bad($"it is not a manifest of this model cache (its format is \"{entry?.Format}\", expected \"{ManifestFormat}\")");
        if (!key.IsStoredAs(entry.Key, entry.Description))
            throw Bad($"it was written for other settings (key {entry.Key[..Math.Min(20, entry.Key.Length)]}, expected {key.Hash[..20]})");
        if (entry.Checkpoint != Path.GetFileName(checkpoint))
            throw Bad($"it names the checkpoint {entry.Checkpoint}, expected {Path.GetFileName(checkpoint)}");
        if (!File.Exists(checkpoint))
            throw Bad($"its checkpoint {checkpoint} is missing");
        if (!string.Equals(Sha256Of(checkpoint), entry.CheckpointSha256, StringComparison.Ordinal))
            throw Bad($"the SHA-256 of {Path.GetFileName(checkpoint)} is not the one the manifest records (the checkpoint was replaced or damaged, or a save was interrupted)");
        if (entry.History.Length != options.Epochs || entry.History.Select(e => e.Epoch).Where((epoch, i) => epoch != i + 1).Any())
            throw Bad($"its history holds epochs {string.Join(", ", entry.History.Select(e => e.Epoch))}, expected 1 to {options.Epochs}");
        if (measured && (entry.AfterEpoch is null || entry.AfterEpoch.Length != options.Epochs || entry.AfterEpoch.Any(m => m is null)))
            throw Bad($"it holds {entry.AfterEpoch?.Length ?? 0} per-epoch measurements, expected {options.Epochs}");
        var history = new TrainingHistory();
        foreach (var record in entry.History) history.Add(record);
        return (history, entry.TrainedAt, entry.TrainingSeconds, measured ? entry.AfterEpoch : null);
    }

    private static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    private static string Warn(string message)
    {
        Console.Error.WriteLine(message);
        return message;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").TrimEnd('.', ' ');

    /// <summary>A stored result (JSON): its values exactly (doubles round-trip), and the random generator's state after the computation.</summary>
    private sealed record ResultEntry(
        string Format, string Key, string[] Description, string Type, long[] Shape, double[] Values, string RandomStateAfter,
        DateTimeOffset ComputedAt, double Seconds);

    /// <summary>The manifest of an entry, as stored (JSON).</summary>
    private sealed record Manifest(
        string Format, string Key, string[] Description, string Checkpoint, string CheckpointSha256,
        DateTimeOffset TrainedAt, double TrainingSeconds, EpochRecord[] History, double[][]? AfterEpoch = null);
}
