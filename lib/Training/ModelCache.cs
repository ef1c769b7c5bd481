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
/// the same settings share one entry.
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

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
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
    /// <returns>Whether the model was loaded or trained, the history, and the entry's file.</returns>
    public static ModelCacheResult TrainOrLoad(LatentModel model, TrainerOptions options, Tensor train, Tensor? test = null,
        Action<TrainingProgress>? progress = null, string? folder = null) =>
        TrainOrLoadWith(model, options, train, test, progress, folder, wrap: null);

    /// <summary><see cref="TrainOrLoad"/> with a hook around the files' streams while saving (tests use it to interrupt a save).</summary>
    internal static ModelCacheResult TrainOrLoadWith(LatentModel model, TrainerOptions options, Tensor train, Tensor? test,
        Action<TrainingProgress>? progress, string? folder, Func<Stream, Stream>? wrap)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var key = ModelCacheKey.Of(model, options, train, test);
        string stem = Path.Combine(Path.GetFullPath(folder ?? DefaultFolder), $"{model.GetType().Name}-{key.Hash[..20]}");
        string checkpoint = stem + Checkpoint.Extension, manifest = stem + ".json";

        string? warning = null;
        if (!Course.Fresh && File.Exists(manifest))
        {
            try
            {
                var stored = Read(manifest, checkpoint, key, options);
                Checkpoint.Load(model, checkpoint); // checks names, types and shapes first: the model is unchanged if it throws
                model.eval();
                return new ModelCacheResult(stored.History, Loaded: true, Saved: false, checkpoint, stored.TrainedAt, stored.TrainingSeconds, Warning: null);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or JsonException)
            {
                warning = Warn($"model cache: the entry {manifest} does not load ({OneLine(e.Message)}); training again and replacing it.");
            }
        }

        var clock = Stopwatch.StartNew();
        var history = new Trainer(model, options).Fit(train, test, progress);
        double seconds = clock.Elapsed.TotalSeconds;
        var trainedAt = DateTimeOffset.UtcNow;
        bool saved = false;
        try
        {
            Checkpoint.SaveWith(model, checkpoint, wrap);
            var entry = new Manifest(ManifestFormat, key.Hash, key.Description.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                Path.GetFileName(checkpoint), Sha256Of(checkpoint), trainedAt, seconds, history.Epochs.ToArray());
            Checkpoint.WriteReplacing(manifest, "model cache manifest", file => JsonSerializer.Serialize(wrap is null ? file : wrap(file), entry, Json));
            saved = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warning = Warn($"model cache: could not save the trained model ({OneLine(e.Message)}); it is trained, but the next run trains it again.");
        }
        return new ModelCacheResult(history, Loaded: false, saved, checkpoint, trainedAt, seconds, warning);
    }

    /// <summary>The manifest at <paramref name="path"/>, after checking that it is one of this cache, for this key, and matches its checkpoint.</summary>
    private static (TrainingHistory History, DateTimeOffset TrainedAt, double TrainingSeconds) Read(string path, string checkpoint, ModelCacheKey key, TrainerOptions options)
    {
        Manifest? entry;
        using (var file = File.OpenRead(path))
            entry = JsonSerializer.Deserialize<Manifest>(file, Json);
        InvalidDataException Bad(string problem) => new(problem);
        if (entry is null || entry.Format != ManifestFormat)
            throw Bad($"it is not a manifest of this model cache (its format is \"{entry?.Format}\", expected \"{ManifestFormat}\")");
        if (entry.Key != key.Hash || string.Join('\n', entry.Description) + "\n" != key.Description)
            throw Bad($"it was written for other settings (key {entry.Key[..Math.Min(20, entry.Key.Length)]}, expected {key.Hash[..20]})");
        if (entry.Checkpoint != Path.GetFileName(checkpoint))
            throw Bad($"it names the checkpoint {entry.Checkpoint}, expected {Path.GetFileName(checkpoint)}");
        if (!File.Exists(checkpoint))
            throw Bad($"its checkpoint {checkpoint} is missing");
        if (!string.Equals(Sha256Of(checkpoint), entry.CheckpointSha256, StringComparison.Ordinal))
            throw Bad($"the SHA-256 of {Path.GetFileName(checkpoint)} is not the one the manifest records (the checkpoint was replaced or damaged, or a save was interrupted)");
        if (entry.History.Length != options.Epochs || entry.History.Select(e => e.Epoch).Where((epoch, i) => epoch != i + 1).Any())
            throw Bad($"its history holds epochs {string.Join(", ", entry.History.Select(e => e.Epoch))}, expected 1 to {options.Epochs}");
        var history = new TrainingHistory();
        foreach (var record in entry.History) history.Add(record);
        return (history, entry.TrainedAt, entry.TrainingSeconds);
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

    /// <summary>The manifest of an entry, as stored (JSON).</summary>
    private sealed record Manifest(
        string Format, string Key, string[] Description, string Checkpoint, string CheckpointSha256,
        DateTimeOffset TrainedAt, double TrainingSeconds, EpochRecord[] History);
}
