using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VaeCourse;

/// <summary>
/// The seed spread of the course's claims: how every <see cref="Claim"/> came out when the whole course ran once per
/// seed offset (<see cref="Course.SeedOffset"/> shifts every seed the notebooks fix: weights, batch order, noise and
/// samples; the data sets and the fixed binarization of the test set stay the same). A claim that holds for the seeds
/// written in a notebook but not for others would teach luck; this record is where that shows. The notebook runner's
/// <c>--seeds 0,1,2</c> writes it to <c>data/seed-spread.json</c>, and each notebook shows its own claims from it.
/// </summary>
public sealed class SeedSpread
{
    /// <summary>The record's file name in the repository's <c>data/</c> folder.</summary>
    public const string FileName = "seed-spread.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Creates a record; <see cref="FromRuns"/> builds one from the runs' claims.</summary>
    [JsonConstructor]
    public SeedSpread(string command, string mode, DateTimeOffset measured, string? commit, IReadOnlyList<long> offsets, IReadOnlyList<SeedSpreadClaim> claims)
    {
        Command = command ?? throw new ArgumentNullException(nameof(command));
        Mode = mode ?? throw new ArgumentNullException(nameof(mode));
        Measured = measured;
        Commit = commit;
        Offsets = offsets ?? throw new ArgumentNullException(nameof(offsets));
        Claims = claims ?? throw new ArgumentNullException(nameof(claims));
    }

    /// <summary>The command that produced the record.</summary>
    public string Command { get; }

    /// <summary>"full" or "quick": the mode the course ran in.</summary>
    public string Mode { get; }

    /// <summary>When the runs finished.</summary>
    public DateTimeOffset Measured { get; }

    /// <summary>The git commit the notebooks and the library were at, when known.</summary>
    public string? Commit { get; }

    /// <summary>The seed offsets, one run of the course each.</summary>
    public IReadOnlyList<long> Offsets { get; }

    /// <summary>Every claim, in notebook order.</summary>
    public IReadOnlyList<SeedSpreadClaim> Claims { get; }

    /// <summary>
    /// Gathers the claims of several runs: <paramref name="runs"/> gives, per seed offset, the claims of that run as
    /// (notebook, statement, status, evidence). Claims are matched by notebook and statement, in the order of the first run
    /// that has them.
    /// </summary>
    public static SeedSpread FromRuns(string command, string mode, DateTimeOffset measured, string? commit,
        IReadOnlyList<(long Offset, IReadOnlyList<(string Notebook, string Statement, string Status, string? Evidence)> Claims)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var order = new List<(string, string)>();
        var outcomes = new Dictionary<(string, string), List<SeedSpreadOutcome>>();
        foreach (var (offset, claims) in runs)
            foreach (var (notebook, statement, status, evidence) in claims)
            {
                var key = (notebook, statement);
                if (!outcomes.TryGetValue(key, out var list))
                {
                    outcomes[key] = list = new List<SeedSpreadOutcome>();
                    order.Add(key);
                }
                if (list.All(o => o.Offset != offset)) list.Add(new SeedSpreadOutcome(offset, status, evidence));
            }
        return new SeedSpread(command, mode, measured, commit, runs.Select(r => r.Offset).ToList(),
            order.Select(k => new SeedSpreadClaim(k.Item1, k.Item2, outcomes[k])).ToList());
    }

    /// <summary>The default location of the record: <c>data/seed-spread.json</c> in the repository.</summary>
    /// <exception cref="InvalidOperationException">No repository root was found above the current or the library's folder.</exception>
    public static string DefaultPath() =>
        PathIn(Data.RepositoryRoot.Require($"The seed-spread record is data/{FileName} in the course repository"));

    /// <summary>Where the record of the repository at <paramref name="repositoryRoot"/> lives: data/<see cref="FileName"/>.</summary>
    public static string PathIn(string repositoryRoot) => Path.Combine(repositoryRoot, "data", FileName);

    /// <summary>Reads a record (by default <see cref="DefaultPath"/>).</summary>
    /// <exception cref="FileNotFoundException">There is no record; the message says which command writes it.</exception>
    /// <exception cref="InvalidDataException">The file is not a seed-spread record; the message names it.</exception>
    public static SeedSpread Load(string? path = null)
    {
        path ??= DefaultPath();
        if (!File.Exists(path))
            throw new FileNotFoundException($"No seed-spread record at {path}. It is written by " +
                                            "`dotnet run -c Release --project tools/NotebookRunner -- --seeds 0,1,2` (the whole course once per seed offset).", path);
        try
        {
            return JsonSerializer.Deserialize<SeedSpread>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path} holds null, not a seed-spread record.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a seed-spread record (expected the JSON that --seeds writes): {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes the record to <paramref name="path"/> the way checkpoints are written (<see cref="Training.Checkpoint.Save"/>):
    /// into a temporary file beside it, flushed, then renamed over it, so a failed write leaves the previous record as it was.
    /// </summary>
    /// <exception cref="IOException">The file could not be written; the previous record is unchanged.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json) + "\n");
        Training.Checkpoint.WriteReplacing(path, "seed-spread record", file => file.Write(json));
    }

    /// <summary>
    /// What a notebook shows: <see cref="ToHtml"/> of the record at <see cref="DefaultPath"/> for <paramref name="notebook"/>,
    /// or, when there is no record yet (before the first <c>--seeds</c> run), a sentence saying so and which command writes it.
    /// A damaged record is still an error.
    /// </summary>
    public static string Table(string notebook)
    {
        string path = DefaultPath();
        if (!File.Exists(path))
            return $"<p>No seed-spread record yet ({WebUtility.HtmlEncode(path)}): " +
                   "<code>dotnet run -c Release --project tools/NotebookRunner -- --seeds 0,1,2</code> writes it.</p>";
        return Load(path).ToHtml(notebook);
    }

    /// <summary>The claims of one notebook (file name, with or without <c>.ipynb</c>).</summary>
    public IReadOnlyList<SeedSpreadClaim> Of(string notebook)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(notebook);
        string name = notebook.EndsWith(".ipynb", StringComparison.Ordinal) ? notebook : notebook + ".ipynb";
        return Claims.Where(c => c.Notebook == name).ToList();
    }

    /// <summary>
    /// One sentence on a notebook's claims across the seeds, computed from the record: how many held with every offset,
    /// and which did not.
    /// </summary>
    public string Summary(string notebook)
    {
        var claims = Of(notebook);
        if (claims.Count == 0) return $"The record holds no claim of {notebook}: run `{Command}` to measure them.";
        string runs = $"{Offsets.Count} runs (seed offsets {string.Join(", ", Offsets)}, {Mode} mode)";
        var held = claims.Where(c => c.HeldInAll(Offsets.Count)).ToList();
        var notChecked = claims.Where(c => c.Outcomes.Count > 0 && c.Outcomes.All(o => o.Status == "not-checked")).ToList();
        var notAll = claims.Except(held).Except(notChecked).ToList();
        var text = notAll.Count == 0 && notChecked.Count == 0
            ? $"All {claims.Count} claims of this notebook held in each of {runs}"
            : $"{held.Count} of {claims.Count} claims of this notebook held in each of {runs}";
        if (notChecked.Count > 0)
            text += notChecked.Count == 1
                ? "; 1 needs full-mode data and was not checked in these runs"
                : $"; {notChecked.Count} need full-mode data and were not checked in these runs";
        if (notAll.Count > 0)
            text += "; not in every run: " + string.Join("; ", notAll.Select(c => $"\"{c.Statement}\" ({c.HeldCount} of {Offsets.Count})"));
        return text + ".";
    }

    /// <summary>
    /// A table of a notebook's claims across the seeds: the statement, in how many runs it held, and the evidence of
    /// each run, with the command, mode, date and commit of the measurement. Rendered by the kernel with <c>HTML(...)</c>.
    /// </summary>
    public string ToHtml(string notebook)
    {
        var claims = Of(notebook);
        var html = new StringBuilder("<table><thead><tr><th style=\"text-align:left\">Claim</th><th>Held</th>");
        foreach (long offset in Offsets) html.Append("<th style=\"text-align:left\">Evidence, seed offset ").Append(offset).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var claim in claims)
        {
            bool all = claim.HeldInAll(Offsets.Count);
            html.Append("<tr><td style=\"text-align:left\">").Append(WebUtility.HtmlEncode(claim.Statement)).Append("</td><td")
                .Append(all ? ">" : " style=\"color:#b00020;font-weight:bold\">").Append(claim.HeldCount).Append(" of ").Append(Offsets.Count).Append("</td>");
            foreach (long offset in Offsets)
            {
                var outcome = claim.Outcomes.FirstOrDefault(o => o.Offset == offset);
                string text = outcome is null ? "not reached" : outcome.Status == "held" ? outcome.Evidence ?? "" : $"{outcome.Status}: {outcome.Evidence}";
                html.Append("<td style=\"text-align:left\">").Append(WebUtility.HtmlEncode(text)).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table><p>").Append(WebUtility.HtmlEncode(Summary(notebook))).Append(" Measured ")
            .Append(Measured.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
            .Append(Commit is null ? "" : $" at commit {Commit[..Math.Min(12, Commit.Length)]}").Append(" by <code>")
            .Append(WebUtility.HtmlEncode(Command)).Append("</code>.</p>");
        return html.ToString();
    }
}
