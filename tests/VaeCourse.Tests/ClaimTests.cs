using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VaeCourse.Tests;

/// <summary>
/// Claims: how each outcome shows, strict mode throwing and interactive mode not, full-mode-only claims in quick mode,
/// the evidence of a comparison, and the formatter the kernel finds by convention. The test assembly runs its tests
/// one at a time, so setting VAE_STRICT and VAE_QUICK here reaches no other test; each test restores them.
/// </summary>
public sealed class ClaimTests : IDisposable
{
    private readonly string? _strict = Environment.GetEnvironmentVariable("VAE_STRICT");
    private readonly string? _quick = Environment.GetEnvironmentVariable("VAE_QUICK");

    public ClaimTests() => Mode(strict: false, quick: false);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("VAE_STRICT", _strict);
        Environment.SetEnvironmentVariable("VAE_QUICK", _quick);
    }

    private static void Mode(bool strict, bool quick)
    {
        Environment.SetEnvironmentVariable("VAE_STRICT", strict ? "1" : null);
        Environment.SetEnvironmentVariable("VAE_QUICK", quick ? "1" : null);
    }

    /// <summary>The claim JSON the HTML carries in its data attribute, as the runner reads it.</summary>
    private static JsonObject DataOf(string html)
    {
        var match = Regex.Match(html, Claim.DataAttribute + "=\"([^\"]*)\"");
        Assert.True(match.Success, html);
        return (JsonObject)JsonNode.Parse(WebUtility.HtmlDecode(match.Groups[1].Value))!;
    }

    [Fact]
    public void A_claim_that_holds_shows_a_tick_its_statement_and_evidence()
    {
        var claim = Claim.Check("two and two make four", 2 + 2 == 4, "2 + 2 = 4 <exactly>");

        Assert.Equal(ClaimStatus.Held, claim.Status);
        Assert.True(claim.Held);
        var html = claim.ToHtml();
        Assert.Contains("class=\"vae-claim vae-claim-held\"", html);
        Assert.Contains("✓", html);
        Assert.Contains("two and two make four", html);
        Assert.Contains("2 + 2 = 4 &lt;exactly&gt;", html);        // evidence HTML-encoded
        Assert.DoesNotContain("does not hold", html);
        var data = DataOf(html);
        Assert.Equal("held", data["status"]!.GetValue<string>());
        Assert.Equal("two and two make four", data["statement"]!.GetValue<string>());
        Assert.Equal("2 + 2 = 4 <exactly>", data["evidence"]!.GetValue<string>());
        Assert.Equal("✓ two and two make four — 2 + 2 = 4 <exactly>", claim.ToString());
    }

    [Fact]
    public void In_an_interactive_session_a_failed_claim_does_not_throw_and_shows_prominently()
    {
        var claim = Claim.Check("pi is below three", Math.PI < 3, "pi = 3.14159");

        Assert.Equal(ClaimStatus.Failed, claim.Status);
        Assert.False(claim.Held);
        var html = claim.ToHtml();
        Assert.Contains("vae-claim-failed", html);
        Assert.Contains("✗", html);
        Assert.Contains("claim does not hold with these settings", html);
        Assert.Contains("pi = 3.14159", html);
        Assert.Contains("background:#ffebe9", html);                // red, in VS Code and Jupyter too
        Assert.Equal("failed", DataOf(html)["status"]!.GetValue<string>());
    }

    [Fact]
    public void In_strict_mode_a_failed_claim_throws_naming_the_claim_and_its_evidence()
    {
        Mode(strict: true, quick: false);

        var e = Assert.Throws<ClaimFailedException>(() => Claim.Check("pi is below three", Math.PI < 3, "pi = 3.14159"));

        Assert.Equal("Claim does not hold: pi is below three\nEvidence: pi = 3.14159", e.Message);
        Assert.Equal("pi is below three", e.Claim.Statement);
        Assert.Equal(ClaimStatus.Failed, e.Claim.Status);
        Assert.True(Claim.Check("two and two make four", true, "4").Held); // a claim that holds does not throw
    }

    [Fact]
    public void A_full_mode_claim_is_not_checked_in_quick_mode_and_checked_in_full_mode()
    {
        Mode(strict: true, quick: true);
        var quick = Claim.Check("the full run reaches 80 %", false, "62 % after 2 epochs", fullModeOnly: true);

        Assert.Equal(ClaimStatus.NotChecked, quick.Status);
        Assert.False(quick.Held);
        Assert.True(quick.FullModeOnly);
        Assert.Contains("not checked in quick mode", quick.ToHtml());
        Assert.Contains("○", quick.ToHtml());
        Assert.Equal("not-checked", DataOf(quick.ToHtml())["status"]!.GetValue<string>());
        Assert.Throws<ClaimFailedException>(() => Claim.Check("an ordinary claim", false, "checked in quick mode too"));

        Mode(strict: true, quick: false);
        Assert.Throws<ClaimFailedException>(() => Claim.Check("the full run reaches 80 %", false, "62 %", fullModeOnly: true));
    }

    [Theory]
    [InlineData(0.5, "<", 2.0, true, "x: 0.5 < 2, margin 1.5 (75 % of the threshold)")]
    [InlineData(2.0, "<", 2.0, false, "x: 2 is not < 2, misses by 0 (0 % of the threshold)")]
    [InlineData(2.0, "<=", 2.0, true, "x: 2 ≤ 2, margin 0 (0 % of the threshold)")]
    [InlineData(42.0, ">=", 10.0, true, "x: 42 ≥ 10, margin 32 (320 % of the threshold)")]
    [InlineData(3.0, ">", 4.0, false, "x: 3 is not > 4, misses by 1 (25 % of the threshold)")]
    [InlineData(1e-9, "<", 0.0, false, "x: 1E-09 is not < 0, misses by 1E-09")]
    [InlineData(double.NaN, "<", 1.0, false, "x: NaN is not < 1, no margin (the value is NaN)")]
    public void A_comparison_shows_value_threshold_and_margin(double value, string comparison, double threshold, bool holds, string evidence)
    {
        var claim = Claim.Check("x compares", value, comparison, threshold, measured: "x");

        Assert.Equal(holds ? ClaimStatus.Held : ClaimStatus.Failed, claim.Status);
        Assert.Equal(evidence, claim.Evidence);
    }

    [Fact]
    public void A_comparison_uses_the_given_format_and_fails_in_strict_mode()
    {
        Assert.Equal("3.1E-09 < 1.0E-06, margin 1.0E-06 (99.7 % of the threshold)",
            Claim.Check("tiny", 3.1e-9, "<", 1e-6, format: "0.0E+00").Evidence);

        Mode(strict: true, quick: false);
        var e = Assert.Throws<ClaimFailedException>(() => Claim.Check("pi is below three", Math.PI, "<", 3.0, measured: "pi"));
        Assert.Contains("pi is below three", e.Message);
        Assert.Contains("Evidence: pi: 3.142 is not < 3, misses by 0.1416 (4.7 % of the threshold)", e.Message);
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_setting_named()
    {
        var op = Assert.Throws<ArgumentException>(() => Claim.Check("s", 1.0, "==", 1.0));
        Assert.Equal("comparison", op.ParamName);
        Assert.Contains("'=='", op.Message);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => Claim.Check("s", 1.0, "<", double.NaN)).ParamName);
        Assert.Equal("statement", Assert.ThrowsAny<ArgumentException>(() => Claim.Check(" ", true, "e")).ParamName);
        Assert.Equal("evidence", Assert.ThrowsAny<ArgumentException>(() => Claim.Check("s", true, "")).ParamName);
        var twoLines = Assert.Throws<ArgumentException>(() => Claim.Check("first\nsecond", true, "e"));
        Assert.Equal("statement", twoLines.ParamName);
        Assert.Contains("one line", twoLines.Message);
    }

    /// <summary>What the kernel does with the attribute (Microsoft.DotNet.Interactive.Formatting's convention).</summary>
    [Fact]
    public void The_kernel_finds_an_html_and_a_plain_text_formatter_by_convention()
    {
        var attribute = typeof(Claim).GetCustomAttributes(true).Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        var sourceType = (Type)attribute.GetType().GetProperty("FormatterSourceType")!.GetValue(attribute)!;
        Assert.Equal(["text/html", "text/plain"], (string[])attribute.GetType().GetProperty("PreferredMimeTypes")!.GetValue(attribute)!);
        var source = Activator.CreateInstance(sourceType)!;
        var formatters = ((IEnumerable<object>)sourceType.GetMethod("CreateTypeFormatters")!.Invoke(source, null)!).ToList();
        var claim = Claim.Check("two and two make four", true, "4");

        string Format(string mime)
        {
            var formatter = formatters.Single(f => (string)f.GetType().GetProperty("MimeType")!.GetValue(f)! == mime);
            var writer = new StringWriter();
            Assert.True((bool)formatter.GetType().GetMethod("Format")!.Invoke(formatter, [claim, writer])!);
            Assert.False((bool)formatter.GetType().GetMethod("Format")!.Invoke(formatter, ["not a claim", new StringWriter()])!);
            return writer.ToString();
        }

        Assert.Equal(claim.ToHtml(), Format("text/html"));
        Assert.Equal(claim.ToString(), Format("text/plain"));
    }
}
