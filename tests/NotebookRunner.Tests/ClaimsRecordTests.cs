using System.Reflection;
using System.Text.Json.Nodes;
using static NotebookRunner.Tests.Notebooks;

namespace NotebookRunner.Tests;

/// <summary>
/// Claims under the runner: a false claim fails its cell and the run, naming the notebook, the cell and the claim; the
/// claims record lists every claim with its status, marks what did not run, and is replaced whole or not at all.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClaimsRecordTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The course library as built with these tests (the project reference builds it in the same configuration).</summary>
    private static string LibraryDll()
    {
        var configuration = typeof(ClaimsRecordTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var dll = Path.Combine(CourseRun.RepositoryRoot, "lib", "bin", configuration, "net10.0", "VaeCourse.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; build lib/ in {configuration}.");
        return dll;
    }

    [Fact]
    public async Task A_false_claim_fails_its_cell_and_the_run_and_the_record_lists_every_claim()
    {
        var folder = _temp.Sub("notebooks");
        var reference = $"#r \"{LibraryDll()}\"";
        Write(folder, "01-claims.ipynb",
            Code(reference),                                                                                       // 1
            Code("VaeCourse.Claim.Check(\"two and two make four\", 2 + 2 == 4, \"2 + 2 = 4\")"),                   // 2
            Code("display(VaeCourse.Claim.Check(\"the full run is needed\", false, \"quick value\", fullModeOnly: true));\n" +
                 "VaeCourse.Claim.Check(\"e is above two\", Math.E, \">\", 2.0, measured: \"e\")"),                  // 3
            Markdown("Markdown counts as a cell."),                                                                // 4
            Code("VaeCourse.Claim.Check(\"pi is below three\", Math.PI, \"<\", 3.0, measured: \"pi\")"),            // 5
            Code("VaeCourse.Claim.Check(\"never reached\", true, \"x\")"));                                        // 6
        Write(folder, "02-true.ipynb", Code(reference), Code("VaeCourse.Claim.Check(\"one is one\", 1 == 1, \"1 = 1\")"));
        var output = Path.Combine(_temp.Path, "out");
        var console = new StringWriter();

        var exit = await Cli.InvokeAsync(["--notebooks", folder, "--output", output, "--quick", "--cell-timeout", "120"], console);
        var text = console.ToString();

        Assert.True(exit == Cli.ExitFailed, text);
        Assert.Contains("[01-claims] error in cell 5", text);
        Assert.Contains("Claim does not hold: pi is below three", text);
        Assert.Contains("Evidence: pi: 3.142 is not < 3, misses by 0.1416", text);
        Assert.Matches(@"\| 01-claims \| failed \|[^\n]*\| 2 held, 1 failed, 1 not checked, 1 not run \| 5: VaeCourse.ClaimFailedException: Claim does not hold: pi is below three", text);
        Assert.Matches(@"\| 02-true +\| ok +\|[^\n]*\| 1 held +\|", text);
        Assert.Contains($"Claims: 3 held, 1 failed, 1 not checked, 1 not run -> {Path.Combine(_temp.Path, "claims.json")}", text);

        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(_temp.Path, "claims.json")))!;
        Assert.True(record["complete"]!.GetValue<bool>());
        var claims = record["claims"]!.AsArray().Select(c =>
            $"{c!["notebook"]} {c["cell"]} {c["status"]}: {c["statement"]} | {c["evidence"]}").ToList();
        Assert.Equal(
        [
            "01-claims.ipynb 2 held: two and two make four | 2 + 2 = 4",
            "01-claims.ipynb 3 not-checked: the full run is needed | quick value",
            "01-claims.ipynb 3 held: e is above two | e: 2.718 > 2, margin 0.7183 (35.9 % of the threshold)",
            "01-claims.ipynb 5 failed: pi is below three | pi: 3.142 is not < 3, misses by 0.1416 (4.7 % of the threshold)",
            "01-claims.ipynb 6 not-run: never reached | ",
            "02-true.ipynb 2 held: one is one | 1 = 1",
        ], claims);
        var first = record["notebooks"]![0]!;
        Assert.Equal("failed", first["result"]!.GetValue<string>());
        Assert.Equal([2, 1, 1, 1], new[] { "held", "failed", "notChecked", "notRun" }.Select(k => first[k]!.GetValue<int>()));

        // The book shows each claim where it stands, the failed one as a marked error.
        var page = File.ReadAllText(Path.Combine(_temp.Path, "book", "01-claims.html"));
        Assert.Contains("vae-claim vae-claim-held", page);
        Assert.Contains("vae-claim vae-claim-not-checked", page);
        Assert.Contains("<pre class=\"output error claim\">", page);
        Assert.Contains(".vae-claim-failed", File.ReadAllText(Path.Combine(_temp.Path, "book", "assets", "book.css")));
    }

    [Fact]
    public async Task Seeds_run_the_notebooks_once_per_offset_not_strict_and_record_how_each_claim_came_out()
    {
        var folder = _temp.Sub("notebooks");
        Write(folder, "01-seeds.ipynb",
            Code($"#r \"{LibraryDll()}\""),
            Code("VaeCourse.Claim.Check(\"the offset is even\", VaeCourse.Course.SeedOffset % 2 == 0, $\"offset {VaeCourse.Course.SeedOffset}\")"),
            Code("VaeCourse.Claim.Check(\"the seed is shifted\", VaeCourse.Course.Seed(10) == 10 + VaeCourse.Course.SeedOffset, $\"seed {VaeCourse.Course.Seed(10)}\")"));
        var output = Path.Combine(_temp.Path, "out");
        var spreadPath = Path.Combine(_temp.Path, "spread.json");
        var console = new StringWriter();

        var exit = await Cli.InvokeAsync(["--notebooks", folder, "--output", output, "--quick", "--no-book", "--seeds", "0,1", "--seed-spread", spreadPath], console);
        var text = console.ToString();

        Assert.True(exit == Cli.ExitOk, text); // a claim that fails with one offset is the measurement, not a failed run
        Assert.Contains("Seed offset 1 (2 of 2)", text);
        Assert.Contains("[01-seeds] 1 of 2 claims of this notebook held in each of 2 runs (seed offsets 0, 1, quick mode); not in every run: \"the offset is even\" (1 of 2).", text);
        var spread = VaeCourse.SeedSpread.Load(spreadPath);
        Assert.Equal(["the offset is even: held offset 0 | failed offset 1", "the seed is shifted: held seed 10 | held seed 11"],
            spread.Claims.Select(c => $"{c.Statement}: " + string.Join(" | ", c.Outcomes.Select(o => $"{o.Status} {o.Evidence}"))));
        Assert.EndsWith("--seeds 0,1 --seed-spread " + spreadPath, spread.Command);
        Assert.True(File.Exists(Path.Combine(_temp.Path, "seeds", "offset-1", "claims.json")));
        Assert.True(File.Exists(Path.Combine(_temp.Path, "seeds", "offset-1", "notebooks", "01-seeds.ipynb")));

        var bad = new StringWriter();
        Assert.Equal(Cli.ExitUsage, await Cli.InvokeAsync(["--notebooks", folder, "--output", output, "--seeds", "1,1"], bad));
        Assert.Contains("--seeds must be a comma-separated list of distinct whole numbers", bad.ToString());
    }

    private static CellOutput Html(string statement, string evidence, string status) => new()
    {
        Kind = OutputKind.DisplayData,
        Data = new Dictionary<string, string>
        {
            ["text/html"] = $"<div class=\"vae-claim\" data-vae-claim=\"{{&quot;statement&quot;:&quot;{statement}&quot;,&quot;evidence&quot;:&quot;{evidence}&quot;,&quot;status&quot;:&quot;{status}&quot;}}\">…</div>",
        },
    };

    [Fact]
    public void A_stopped_notebook_records_the_claims_that_ran_and_the_rest_as_not_run()
    {
        var path = Write(_temp.Sub("nb"), "05-stop.ipynb",
            Code("Claim.Check(\"first\", true, \"a\")"),                                                    // 1
            Code("display(Claim.Check(\"second\", true, \"b\"));\nClaim.Check($\"third {x}\", y, \"c\");\nClaim.Check(statement, true, \"d\");"), // 2
            Code("Claim.Check(\"fourth\", true, \"e\")"),                                                    // 3
            Code("1 + 1"));                                                                                  // 4
        var result = new NotebookRunResult
        {
            NotebookPath = path,
            Status = NotebookStatus.Cancelled,
            FailedCellNumber = 2,
            Cells =
            [
                new CellResult(1, 0.1, [Html("first", "a &lt; b", "held")], null),
                new CellResult(2, 0.1, [Html("second", "b", "not-checked")], "cancelled while cell 2 was running"),
            ],
        };

        var claims = ClaimsRecord.Of(result).Select(c => $"{c.Cell} {c.Status}: {c.Statement} | {c.Evidence}");

        Assert.Equal(
        [
            "1 held: first | a < b",
            "2 not-checked: second | b",
            "2 not-run: third {x} | ",        // the cell stopped before its last two calls
            "2 not-run:  | ",                 // a statement that is not a literal
            "3 not-run: fourth | ",
        ], claims);
    }

    [Fact]
    public void A_claim_that_failed_in_strict_mode_is_read_from_the_cells_error()
    {
        var error = "VaeCourse.ClaimFailedException: Claim does not hold: pi is below three\nEvidence: pi: 3.142 is not < 3\n   at VaeCourse.Claim.Check(...)";

        var failed = ClaimsRecord.FailedIn("n.ipynb", 7, error);

        Assert.Equal(new ClaimEntry("n.ipynb", 7, "pi is below three", "pi: 3.142 is not < 3", ClaimsRecord.Failed), failed);
        Assert.Null(ClaimsRecord.FailedIn("n.ipynb", 7, "System.InvalidOperationException: boom"));
        Assert.True(ClaimsRecord.IsFailedClaim(error));
    }

    [Fact]
    public async Task A_run_cancelled_before_any_notebook_leaves_a_whole_record_with_every_claim_not_run_and_says_so()
    {
        var folder = _temp.Sub("nb");
        Write(folder, "01-a.ipynb", Code("Claim.Check(\"a\", true, \"x\")"), Code("Claim.Check(\"b\", true, \"y\")"));
        Write(folder, "02-b.ipynb", Markdown("no claims"), Code("Claim.Check(\"c\", true, \"z\")"));
        var recordPath = Path.Combine(_temp.Path, "claims.json");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var console = new StringWriter();

        var exit = await Cli.InvokeAsync(["--notebooks", folder, "--output", Path.Combine(_temp.Path, "out")], console, cancelled.Token);

        var text = console.ToString();
        Assert.True(exit == Cli.ExitCancelled, text);
        Assert.Matches(@"\| 01-a +\| not run +\| +\| 2 not run +\|", text);
        Assert.Contains($"Claims: 3 not run -> {recordPath}", text);
        var record = JsonNode.Parse(File.ReadAllText(recordPath))!;
        Assert.False(record["complete"]!.GetValue<bool>());
        Assert.Equal(["01-a.ipynb 1 a", "01-a.ipynb 2 b", "02-b.ipynb 2 c"],
            record["claims"]!.AsArray().Select(c => $"{c!["notebook"]} {c["cell"]} {c["statement"]}"));
        Assert.All(record["claims"]!.AsArray(), c => Assert.Equal("not-run", c!["status"]!.GetValue<string>()));
        Assert.Equal("not run", record["notebooks"]![1]!["result"]!.GetValue<string>());
    }

    [Fact]
    public void A_write_that_fails_part_way_leaves_the_previous_record_whole()
    {
        var path = Path.Combine(_temp.Path, "claims.json");
        File.WriteAllText(path, "{\"previous\": true}\n");

        var e = Assert.Throws<IOException>(() => ClaimsRecord.WriteAtomically(path, writer =>
        {
            writer.Write("{\"claims\": [");
            writer.Flush();
            throw new IOException("disk full");
        }));

        Assert.Equal("disk full", e.Message);
        Assert.Equal("{\"previous\": true}\n", File.ReadAllText(path));
        Assert.Equal(["claims.json"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName)); // no temporary file left

        ClaimsRecord.WriteAtomically(path, writer => writer.Write("{\"claims\": []}\n"));
        Assert.Equal("{\"claims\": []}\n", File.ReadAllText(path));
        Assert.Equal(["claims.json"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }
}
