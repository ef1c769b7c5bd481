using System.Globalization;
using static TorchSharp.torch;

namespace VaeCourse.Training;

/// <summary>What <see cref="ModelCache.ComputeOrLoad"/> did: loaded a stored result or computed it (and stored it), with the result either way.</summary>
/// <param name="Value">The result: the tensor the computation returned, or (when <paramref name="Loaded"/>) the stored one, on the CPU, with the same element type and shape.</param>
/// <param name="Loaded">True when the result came from the cache; false when it was computed now.</param>
/// <param name="Saved">True when the result was computed now and stored (false when loaded, or when the save failed: see <paramref name="Warning"/>).</param>
/// <param name="Path">The entry's file.</param>
/// <param name="ComputedAt">When the computation finished (UTC).</param>
/// <param name="Seconds">Wall-clock seconds the computation took.</param>
/// <param name="Warning">Why an entry found was not used, or why the new one was not saved (one line, also written to standard error), or null.</param>
public sealed record ComputationResult(
    Tensor Value, bool Loaded, bool Saved, string Path, DateTimeOffset ComputedAt, double Seconds, string? Warning)
{
    /// <summary>One line for the notebook: "loaded from the cache: &lt;file&gt;, computed &lt;date&gt; in &lt;s&gt; s", or what was computed and saved.</summary>
    public override string ToString()
    {
        string file = System.IO.Path.GetFileName(Path);
        string date = ComputedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        string seconds = Seconds.ToString("F1", CultureInfo.InvariantCulture);
        return Loaded
            ? $"loaded from the cache: {file}, computed {date} in {seconds} s"
            : $"computed in {seconds} s, " + (Saved ? $"saved to the cache: {file}" : "not saved to the cache");
    }
}
