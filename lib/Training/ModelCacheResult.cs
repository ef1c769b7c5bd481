using System.Globalization;

namespace VaeCourse.Training;

/// <summary>What <see cref="ModelCache.TrainOrLoad"/> did: loaded a stored model or trained it (and stored it), with the training history either way.</summary>
/// <param name="History">The history of the training run: stored with the entry when <paramref name="Loaded"/>, just measured otherwise.</param>
/// <param name="Loaded">True when the model's parameters came from the cache; false when it was trained now.</param>
/// <param name="Saved">True when the model was trained now and stored in the cache (false when loaded, or when the save failed: see <paramref name="Warning"/>).</param>
/// <param name="CheckpointPath">The entry's checkpoint file.</param>
/// <param name="TrainedAt">When the training run finished (UTC).</param>
/// <param name="TrainingSeconds">Wall-clock seconds the training run took.</param>
/// <param name="Warning">Why an entry found was not used, or why the new one was not saved (one line, also written to standard error), or null.</param>
public sealed record ModelCacheResult(
    TrainingHistory History, bool Loaded, bool Saved, string CheckpointPath, DateTimeOffset TrainedAt, double TrainingSeconds, string? Warning)
{
    /// <summary>
    /// What the afterEpoch measurement of <see cref="ModelCache.TrainOrLoad"/> returned after each epoch, in order (measured
    /// while training, or stored with the entry when <see cref="Loaded"/>); null when no measurement was asked for.
    /// </summary>
    public IReadOnlyList<double[]>? AfterEpoch { get; init; }

    /// <summary>One line for the notebook: "loaded from the cache: &lt;file&gt;, trained &lt;date&gt; in &lt;s&gt; s", or what was trained and saved.</summary>
    public override string ToString()
    {
        string file = Path.GetFileName(CheckpointPath);
        string date = TrainedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        string seconds = TrainingSeconds.ToString("F1", CultureInfo.InvariantCulture);
        return Loaded
            ? $"loaded from the cache: {file}, trained {date} in {seconds} s"
            : $"trained in {seconds} s, " + (Saved ? $"saved to the cache: {file}" : "not saved to the cache");
    }
}
