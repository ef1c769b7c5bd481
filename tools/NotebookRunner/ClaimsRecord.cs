using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NotebookRunner;

/// <summary>One claim of a run: where it stands, what it says, what decided it, and how it came out.</summary>
/// <param name="Notebook">The notebook's file name.</param>
/// <param name="Cell">The cell number, counting every cell from 1 as VS Code shows them.</param>
/// <param name="Statement">What the claim says; for a claim that did not run, the statement as written in the source (null when it is not a string literal).</param>
/// <param name="Evidence">The measured values that decided it; null for a claim that did not run.</param>
/// <param name="Status">One of <see cref="ClaimsRecord.Held"/>, <see cref="ClaimsRecord.Failed"/>, <see cref="ClaimsRecord.NotChecked"/>, <see cref="ClaimsRecord.NotRun"/>.</param>
public sealed record ClaimEntry(string Notebook, int Cell, string? Statement, string? Evidence, string Status);

/// <summary>
/// The claims record of a run (<c>claims.json</c>): every claim the notebooks state with <c>Claim.Check</c> (lib/Claim.cs),
/// found in the cells' outputs. A displayed claim is an HTML output carrying the claim as JSON in a
/// <c>data-vae-claim</c> attribute; a claim that failed under the runner's strict mode is the cell's error, whose message
/// is <c>Claim does not hold: &lt;statement&gt;</c> then <c>Evidence: &lt;evidence&gt;</c>. Cells that did not run, and
/// notebooks that did not run, count a claim per <c>Claim.Check(</c> in their source, as not run. The file is rewritten
/// after every notebook, each time to a temporary file then renamed over the old one, so it is never half written and
/// a cancelled or failed run still leaves the record of what ran.
/// </summary>
public sealed class ClaimsRecord
{
    /// <summary>Status of a claim that was checked and holds.</summary>
    public const string Held = "held";
    /// <summary>Status of a claim that was checked and does not hold.</summary>
    public const string Failed = "failed";
    /// <summary>Status of a claim that needs full-mode data, in a quick-mode run.</summary>
    public const string NotChecked = "not-checked";
    /// <summary>Status of a claim whose cell did not run.</summary>
    public const string NotRun = "not-run";

    private static readonly Regex ClaimAttribute = new("data-vae-claim=\"([^\"]*)\"", RegexOptions.CultureInvariant);
    private static readonly Regex FailedClaim = new(@"(?:^|: )Claim does not hold: (?<statement>[^\r\n]*)\r?\n\s*Evidence: (?<evidence>[^\r\n]*)", RegexOptions.Multiline | RegexOptions.CultureInvariant);
    private static readonly Regex ClaimCall = new(@"\bClaim\s*\.\s*Check\s*\(\s*(?:\$?@?""(?<statement>(?:[^""\\\r\n]|\\.)*)"")?", RegexOptions.CultureInvariant);

    private readonly string _path;
    private readonly IReadOnlyList<string> _notebooks;
    private readonly Dictionary<string, (string Result, IReadOnlyList<ClaimEntry> Claims)> _byNotebook = new();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    /// <summary>A record at <paramref name="path"/> for a run of <paramref name="notebookPaths"/>, every claim not run yet.</summary>
    public ClaimsRecord(string path, IReadOnlyList<string> notebookPaths)
    {
        _path = Path.GetFullPath(path);
        _notebooks = notebookPaths.Select(Path.GetFullPath).ToList();
        foreach (var notebook in _notebooks) _byNotebook[notebook] = ("not run", Of(notebook, null));
    }

    /// <summary>Every claim in notebook order.</summary>
    public IReadOnlyList<ClaimEntry> Claims => _notebooks.SelectMany(n => _byNotebook[n].Claims).ToList();

    /// <summary>Takes the claims of a finished (or stopped) notebook in place of its not-run ones.</summary>
    public void Add(NotebookRunResult result) =>
        _byNotebook[Path.GetFullPath(result.NotebookPath)] = (Cli.StatusText(result.Status), Of(result));

    /// <summary>Writes the record atomically; <paramref name="complete"/> tells whether every notebook of the run has finished.</summary>
    public void Write(bool complete)
    {
        var notebooks = new JsonArray();
        foreach (var path in _notebooks)
        {
            var (result, claims) = _byNotebook[path];
            var counts = Count(claims);
            notebooks.Add(new JsonObject
            {
                ["notebook"] = Path.GetFileName(path), ["result"] = result,
                ["held"] = counts.Held, ["failed"] = counts.Failed, ["notChecked"] = counts.NotChecked, ["notRun"] = counts.NotRun,
            });
        }
        var root = new JsonObject
        {
            ["started"] = _started.ToString("o"),
            ["written"] = DateTimeOffset.UtcNow.ToString("o"),
            ["complete"] = complete,
            ["notebooks"] = notebooks,
            ["claims"] = new JsonArray(Claims.Select(c => (JsonNode)new JsonObject
            {
                ["notebook"] = c.Notebook, ["cell"] = c.Cell, ["statement"] = c.Statement, ["evidence"] = c.Evidence, ["status"] = c.Status,
            }).ToArray()),
        };
        var json = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        WriteAtomically(_path, writer => writer.Write(json));
    }

    /// <summary>The record of a run whose executed notebooks go to <paramref name="outputDirectory"/>: claims.json beside that folder.</summary>
    public static string PathBeside(string outputDirectory) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputDirectory))!, "claims.json");

    /// <summary>Claims counted for the runner's summary, for example "12 held, 1 failed, 2 not checked".</summary>
    public static string Summary(IEnumerable<ClaimEntry> claims)
    {
        var (held, failed, notChecked, notRun) = Count(claims);
        var parts = new List<string>();
        if (held > 0) parts.Add($"{held} held");
        if (failed > 0) parts.Add($"{failed} failed");
        if (notChecked > 0) parts.Add($"{notChecked} not checked");
        if (notRun > 0) parts.Add($"{notRun} not run");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>How many claims of <paramref name="claims"/> have each status.</summary>
    public static (int Held, int Failed, int NotChecked, int NotRun) Count(IEnumerable<ClaimEntry> claims)
    {
        var list = claims.ToList();
        return (list.Count(c => c.Status == Held), list.Count(c => c.Status == Failed),
                list.Count(c => c.Status == NotChecked), list.Count(c => c.Status == NotRun));
    }

    /// <summary>
    /// The claims of a notebook run: from the outputs of the cells that ran (and the error of a cell a claim failed),
    /// and one not-run claim per <c>Claim.Check(</c> in the cells that did not run. A cell that stopped part-way
    /// counts the calls in its source that it did not reach (the last ones) as not run.
    /// </summary>
    public static IReadOnlyList<ClaimEntry> Of(NotebookRunResult result)
    {
        var notebook = Path.GetFileName(result.NotebookPath);
        NotebookDocument document;
        try { document = NotebookDocument.Parse(result.ExecutedNotebookJson ?? File.ReadAllText(result.NotebookPath)); }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException) { return []; }

        var ran = result.Cells.ToDictionary(c => c.Number);
        var claims = new List<ClaimEntry>();
        foreach (var cell in document.Cells.Where(c => c.IsRunnableCode))
        {
            var calls = CallsIn(cell.Source);
            if (!ran.TryGetValue(cell.Number, out var executed))
            {
                claims.AddRange(calls.Select(s => new ClaimEntry(notebook, cell.Number, s, null, NotRun)));
                continue;
            }
            var found = executed.Outputs.SelectMany(o => InOutput(notebook, cell.Number, o)).ToList();
            if (executed.Error is { } error && FailedIn(notebook, cell.Number, error) is { } failed && !found.Contains(failed)) found.Add(failed);
            claims.AddRange(found);
            if (executed.Error is not null)
                claims.AddRange(calls.Skip(found.Count).Select(s => new ClaimEntry(notebook, cell.Number, s, null, NotRun)));
        }
        return claims;
    }

    /// <summary>The claims displayed in one output (its HTML), in order.</summary>
    internal static IEnumerable<ClaimEntry> InOutput(string notebook, int cell, CellOutput output)
    {
        if (output.Kind is not (OutputKind.DisplayData or OutputKind.ExecuteResult) || !output.Data.TryGetValue("text/html", out var html)) yield break;
        foreach (Match m in ClaimAttribute.Matches(html))
        {
            JsonObject? claim;
            try { claim = JsonNode.Parse(WebUtility.HtmlDecode(m.Groups[1].Value)) as JsonObject; }
            catch (JsonException) { continue; }
            var status = claim?["status"]?.GetValue<string>();
            if (claim is null || status is not (Held or Failed or NotChecked)) continue;
            yield return new ClaimEntry(notebook, cell, claim["statement"]?.GetValue<string>(), claim["evidence"]?.GetValue<string>(), status);
        }
    }

    /// <summary>The claim a cell's error reports as failed (strict mode), or null when the error is not a failed claim.</summary>
    internal static ClaimEntry? FailedIn(string notebook, int cell, string error) =>
        FailedClaim.Match(error) is { Success: true } m
            ? new ClaimEntry(notebook, cell, m.Groups["statement"].Value.Trim(), m.Groups["evidence"].Value.Trim(), Failed)
            : null;

    /// <summary>True when an error message is a failed claim's.</summary>
    internal static bool IsFailedClaim(string error) => FailedClaim.IsMatch(error);

    /// <summary>The statements of the <c>Claim.Check(</c> calls in a cell's source, in order (null where not a string literal).</summary>
    internal static IReadOnlyList<string?> CallsIn(string source) =>
        ClaimCall.Matches(source).Select(m => m.Groups["statement"].Success ? Regex.Unescape(m.Groups["statement"].Value) : null).ToList();

    /// <summary>The claims of <paramref name="notebookPath"/>: those of its <paramref name="result"/>, or all not run when it has none.</summary>
    public static IReadOnlyList<ClaimEntry> Of(string notebookPath, NotebookRunResult? result)
    {
        if (result is not null) return Of(result);
        NotebookDocument document;
        try { document = NotebookDocument.Load(notebookPath); }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException) { return []; }
        var notebook = Path.GetFileName(notebookPath);
        return document.Cells.Where(c => c.IsRunnableCode)
            .SelectMany(c => CallsIn(c.Source).Select(s => new ClaimEntry(notebook, c.Number, s, null, NotRun)))
            .ToList();
    }

    /// <summary>
    /// Writes a file through <paramref name="write"/> into a temporary file beside it, then renames that over
    /// <paramref name="path"/>: readers see the old file or the new one, never a part. On failure the old file stays.
    /// </summary>
    internal static void WriteAtomically(string path, Action<TextWriter> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var writer = new StreamWriter(temp, append: false, new System.Text.UTF8Encoding(false)))
                write(writer);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
