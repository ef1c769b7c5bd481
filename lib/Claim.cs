using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VaeCourse;

/// <summary>
/// A verdict a notebook states about its own run ("the error is under 1e-6"), checked where it is stated and shown
/// as one line: a mark (✓ held, ✗ failed, ○ not checked in quick mode), the statement and the evidence.
/// In strict mode (<see cref="Strict"/>: the notebook runner sets VAE_STRICT=1 for its kernels) a claim that fails
/// throws <see cref="ClaimFailedException"/>, so its cell fails and the run names it. In an interactive session it
/// does not throw: it is shown in red as not holding with the settings the learner chose, with its evidence.
/// </summary>
/// <remarks>
/// A cell whose value is a claim shows it through the kernel's formatter (<see cref="ClaimFormatterSource"/>), as HTML
/// with a <c>data-vae-claim</c> attribute holding the claim as JSON, which is how the runner's claims record finds it.
/// </remarks>
[TypeFormatterSource(typeof(ClaimFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public sealed class Claim
{
    /// <summary>The HTML attribute that carries a displayed claim as JSON (statement, evidence, status).</summary>
    public const string DataAttribute = "data-vae-claim";

    private Claim(string statement, string evidence, ClaimStatus status, bool fullModeOnly)
    {
        Statement = statement;
        Evidence = evidence;
        Status = status;
        FullModeOnly = fullModeOnly;
    }

    /// <summary>What the notebook claims, one sentence.</summary>
    public string Statement { get; }

    /// <summary>The measured values that decide it.</summary>
    public string Evidence { get; }

    /// <summary>Whether it held, failed, or was not checked (a full-mode claim in quick mode).</summary>
    public ClaimStatus Status { get; }

    /// <summary>True when the claim is only expected to hold with full-mode data and is not checked in quick mode.</summary>
    public bool FullModeOnly { get; }

    /// <summary>True when the claim was checked and holds.</summary>
    public bool Held => Status == ClaimStatus.Held;

    /// <summary>True when the environment variable VAE_STRICT is 1 or true: a failed claim throws.</summary>
    public static bool Strict => Environment.GetEnvironmentVariable("VAE_STRICT") is "1" or "true" or "True" or "TRUE";

    /// <summary>
    /// States a claim decided by <paramref name="holds"/>, with the <paramref name="evidence"/> that decides it.
    /// A <paramref name="fullModeOnly"/> claim is not checked in quick mode (<see cref="Course.Quick"/>).
    /// </summary>
    /// <exception cref="ClaimFailedException">In strict mode, when the claim is checked and does not hold.</exception>
    public static Claim Check(string statement, bool holds, string evidence, bool fullModeOnly = false)
    {
        CheckLine(statement, nameof(statement));
        CheckLine(evidence, nameof(evidence));
        var status = fullModeOnly && Course.Quick ? ClaimStatus.NotChecked : holds ? ClaimStatus.Held : ClaimStatus.Failed;
        var claim = new Claim(statement.Trim(), evidence.Trim(), status, fullModeOnly);
        if (status == ClaimStatus.Failed && Strict) throw new ClaimFailedException(claim);
        return claim;
    }

    /// <summary>
    /// States a claim that a measured <paramref name="value"/> compares with a <paramref name="threshold"/> as
    /// <paramref name="comparison"/> says ("&lt;", "&lt;=", "&gt;" or "&gt;="); the evidence shows the value, the
    /// threshold and the margin by which it holds or misses, formatted with <paramref name="format"/>, after
    /// <paramref name="measured"/> (what the value is) when given. A value that is NaN fails.
    /// </summary>
    /// <exception cref="ClaimFailedException">In strict mode, when the claim is checked and does not hold.</exception>
    public static Claim Check(string statement, double value, string comparison, double threshold,
        string? measured = null, string format = "G4", bool fullModeOnly = false)
    {
        if (double.IsNaN(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold of a claim must be a number, not NaN.");
        ArgumentException.ThrowIfNullOrWhiteSpace(format);
        (bool holds, string symbol, double margin) = comparison switch
        {
            "<" => (value < threshold, "<", threshold - value),
            "<=" => (value <= threshold, "≤", threshold - value),
            ">" => (value > threshold, ">", value - threshold),
            ">=" => (value >= threshold, "≥", value - threshold),
            _ => throw new ArgumentException($"The comparison of a claim is '{comparison}'; expected \"<\", \"<=\", \">\" or \">=\".", nameof(comparison)),
        };
        string F(double x) => x.ToString(format, CultureInfo.InvariantCulture);
        string relation = holds ? $"{F(value)} {symbol} {F(threshold)}" : $"{F(value)} is not {symbol} {F(threshold)}";
        string share = threshold == 0 || double.IsNaN(margin) ? "" : $" ({Math.Abs(margin / threshold) * 100:0.#} % of the threshold)";
        string marginText = double.IsNaN(margin) ? "no margin (the value is NaN)"
            : holds ? $"margin {F(margin)}{share}" : $"misses by {F(Math.Abs(margin))}{share}";
        string prefix = string.IsNullOrWhiteSpace(measured) ? "" : measured.Trim() + ": ";
        return Check(statement, holds, $"{prefix}{relation}, {marginText}", fullModeOnly);
    }

    /// <summary>The claim as one line of HTML: mark, statement and evidence, the claim as JSON in <see cref="DataAttribute"/>.</summary>
    public string ToHtml()
    {
        var (css, mark, colour, note) = Status switch
        {
            ClaimStatus.Held => ("held", "✓", "#1a7f37", ""),
            ClaimStatus.Failed => ("failed", "✗", "#cf222e", " (<b>claim does not hold with these settings</b>)"),
            _ => ("not-checked", "○", "#6e7781", " (<i>not checked in quick mode</i>)"),
        };
        // Inline styles only where VS Code and Jupyter need them to show a failure prominently; the HTML book styles
        // the classes (tools/NotebookRunner/Book/book.css).
        string box = Status == ClaimStatus.Failed
            ? " style=\"padding:0.3em 0.6em;border-left:4px solid #cf222e;background:#ffebe9;color:#1f2328\""
            : "";
        return $"<div class=\"vae-claim vae-claim-{css}\" {DataAttribute}=\"{WebUtility.HtmlEncode(ToJson())}\"{box}>" +
               $"<span class=\"vae-claim-mark\" style=\"color:{colour};font-weight:bold\">{mark}</span> " +
               $"<span class=\"vae-claim-statement\">{WebUtility.HtmlEncode(Statement)}</span>{note}" +
               $" <span class=\"vae-claim-evidence\" style=\"opacity:0.8\">— {WebUtility.HtmlEncode(Evidence)}</span></div>";
    }

    /// <summary>The claim as JSON: <c>statement</c>, <c>evidence</c>, <c>status</c> ("held", "failed" or "not-checked") and <c>fullModeOnly</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["statement"] = Statement,
        ["evidence"] = Evidence,
        ["status"] = StatusName(Status),
        ["fullModeOnly"] = FullModeOnly,
    }, JsonOptions);

    // Readable in the saved notebook ("<" rather than \u003C); the HTML attribute is HTML-encoded on top.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The claim as one line of text, for example <c>✓ statement — evidence</c>.</summary>
    public override string ToString() => Status switch
    {
        ClaimStatus.Held => $"✓ {Statement} — {Evidence}",
        ClaimStatus.Failed => $"✗ {Statement} (claim does not hold with these settings) — {Evidence}",
        _ => $"○ {Statement} (not checked in quick mode) — {Evidence}",
    };

    /// <summary>The name of a status in the claim's JSON and in the runner's claims record.</summary>
    public static string StatusName(ClaimStatus status) => status switch
    {
        ClaimStatus.Held => "held",
        ClaimStatus.Failed => "failed",
        _ => "not-checked",
    };

    // One line each: the claim is one line in the notebook, and the runner reads a failed claim back from its message.
    private static void CheckLine(string text, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text, name);
        if (text.Contains('\n') || text.Contains('\r'))
            throw new ArgumentException($"The {name} of a claim must be one line; got \"{text.ReplaceLineEndings("\\n")}\".", name);
    }
}
