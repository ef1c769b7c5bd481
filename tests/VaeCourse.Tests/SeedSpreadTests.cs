using TorchSharp;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VaeCourse.Tests;

/// <summary>
/// The seed offset every notebook seed goes through, and the seed-spread record: gathered from runs, saved whole,
/// read back, summarised and shown per notebook; and the committed record covers every claim the notebooks make.
/// The test assembly runs one test at a time, so setting VAE_SEED_OFFSET here reaches no other test.
/// </summary>
public sealed class SeedSpreadTests : IDisposable
{
    private readonly string? _offset = Environment.GetEnvironmentVariable("VAE_SEED_OFFSET");
    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("VAE_SEED_OFFSET", _offset);
        _temp.Dispose();
    }

    [Fact]
    public void Seeds_are_as_written_without_an_offset_and_shifted_with_one()
    {
        Environment.SetEnvironmentVariable("VAE_SEED_OFFSET", null);
        Assert.Equal(7, Course.Seed(7));
        Environment.SetEnvironmentVariable("VAE_SEED_OFFSET", "2");
        Assert.Equal(9, Course.Seed(7));

        // ManualSeed and Generator draw what torch.manual_seed and a Generator of the shifted seed draw.
        Course.ManualSeed(5);
        var shifted = torch.randn(4);
        torch.manual_seed(7);
        Assert.True(shifted.allclose(torch.randn(4), 0, 0));
        using var generator = Course.Generator(5);
        using var reference = new torch.Generator(7);
        Assert.True(torch.rand(4, generator: generator).allclose(torch.rand(4, generator: reference), 0, 0));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("two")]
    [InlineData("1.5")]
    public void A_malformed_offset_is_an_error_naming_the_variable_and_what_is_expected(string value)
    {
        Environment.SetEnvironmentVariable("VAE_SEED_OFFSET", value);
        var e = Assert.Throws<ArgumentException>(() => Course.Seed(0));
        Assert.Contains($"VAE_SEED_OFFSET is '{value}'", e.Message);
        Assert.Contains("whole number 0 or more", e.Message);
    }

    private static SeedSpread Example() => SeedSpread.FromRuns("dotnet run ... -- --seeds 0,1,2", "full", new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero), "0123456789abcdef",
    [
        (0, [("01-a.ipynb", "sturdy", "held", "x: 3 > 1"), ("01-a.ipynb", "lucky", "held", "y: 2 > 1"), ("02-b.ipynb", "other", "held", "z"), ("02-b.ipynb", "big", "not-checked", "q")]),
        (1, [("01-a.ipynb", "sturdy", "held", "x: 4 > 1"), ("01-a.ipynb", "lucky", "failed", "y: 0.5 is not > 1"), ("02-b.ipynb", "big", "not-checked", "q")]),
        (2, [("01-a.ipynb", "lucky", "held", "y: 1.5 > 1"), ("01-a.ipynb", "sturdy", "held", "x: 2 > 1"), ("02-b.ipynb", "other", "held", "z"), ("02-b.ipynb", "big", "not-checked", "q")]),
    ]);

    [Fact]
    public void Runs_are_matched_by_notebook_and_statement_and_counted()
    {
        var spread = Example();
        Assert.Equal([0L, 1, 2], spread.Offsets);
        Assert.Equal(["01-a.ipynb sturdy 3", "01-a.ipynb lucky 2", "02-b.ipynb other 2", "02-b.ipynb big 0"],
            spread.Claims.Select(c => $"{c.Notebook} {c.Statement} {c.HeldCount}"));
        Assert.True(spread.Claims[0].HeldInAll(3));
        Assert.False(spread.Claims[1].HeldInAll(3));
        Assert.False(spread.Claims[2].HeldInAll(3)); // missing from the run with offset 1: not held in every run

        Assert.Equal("1 of 2 claims of this notebook held in each of 3 runs (seed offsets 0, 1, 2, full mode); not in every run: \"lucky\" (2 of 3).",
            spread.Summary("01-a"));
        Assert.Equal("0 of 2 claims of this notebook held in each of 3 runs (seed offsets 0, 1, 2, full mode); 1 needs full-mode data and was not checked in these runs; " +
                     "not in every run: \"other\" (2 of 3).", spread.Summary("02-b.ipynb"));
        Assert.StartsWith("The record holds no claim of 03-c.ipynb", spread.Summary("03-c.ipynb"));
        var html = spread.ToHtml("01-a.ipynb");
        Assert.Contains("<td>3 of 3</td>", html);
        Assert.Contains("font-weight:bold\">2 of 3</td>", html);
        Assert.Contains("failed: y: 0.5 is not &gt; 1", html);
        Assert.Contains("at commit 0123456789ab by <code>dotnet run ... -- --seeds 0,1,2</code>", html);
        Assert.DoesNotContain("other", html);
    }

    [Fact]
    public void A_saved_record_reads_back_the_same_and_replaces_the_old_one_whole()
    {
        var path = Path.Combine(_temp.Path, "data", SeedSpread.FileName);
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.GetDirectoryName(path)!).FullName, SeedSpread.FileName), "old");
        var spread = Example();
        spread.Save(path);
        var back = SeedSpread.Load(path);
        Assert.Equal(spread.Command, back.Command);
        Assert.Equal(spread.Measured, back.Measured);
        Assert.Equal(spread.Commit, back.Commit);
        Assert.Equal(spread.Offsets, back.Offsets);
        Assert.Equal(spread.Claims.Select(c => (c.Notebook, c.Statement, string.Join("|", c.Outcomes))),
            back.Claims.Select(c => (c.Notebook, c.Statement, string.Join("|", c.Outcomes))));
        Assert.Equal([SeedSpread.FileName], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_missing_or_foreign_record_is_an_error_naming_the_file_and_the_command_that_writes_it()
    {
        var missing = Path.Combine(_temp.Path, "none.json");
        var e = Assert.Throws<FileNotFoundException>(() => SeedSpread.Load(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("--seeds 0,1,2", e.Message);

        var foreign = Path.Combine(_temp.Path, "foreign.json");
        File.WriteAllText(foreign, "{ \"claims\": 3 }");
        var f = Assert.Throws<InvalidDataException>(() => SeedSpread.Load(foreign));
        Assert.Contains(foreign, f.Message);
    }

    /// <summary>
    /// The committed record (data/seed-spread.json) has every claim whose statement the notebooks write as a plain string,
    /// each measured with every offset: a claim added or reworded since the last <c>--seeds</c> run fails here, naming it.
    /// </summary>
    [Fact]
    public void The_committed_record_covers_every_claim_of_the_notebooks_with_every_offset()
    {
        var spread = SeedSpread.Load();
        Assert.True(spread.Offsets.Count >= 3, $"the record has {spread.Offsets.Count} seed offsets; at least 3 are needed");
        Assert.Contains(spread.Mode, new[] { "full", "quick" });
        var root = VaeCourse.Data.RepositoryRoot.Find()!;
        var call = new Regex(@"Claim\.Check\(""((?:[^""\\]|\\.)*)""");
        var missing = new List<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(root, "notebooks"), "*.ipynb"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var cell in document.RootElement.GetProperty("cells").EnumerateArray())
            {
                if (cell.GetProperty("cell_type").GetString() != "code") continue;
                string source = string.Concat(cell.GetProperty("source").EnumerateArray().Select(l => l.GetString()));
                foreach (Match m in call.Matches(source))
                {
                    string statement = Regex.Unescape(m.Groups[1].Value);
                    var claim = spread.Of(Path.GetFileName(path)).FirstOrDefault(c => c.Statement == statement);
                    if (claim is null || claim.Outcomes.Count != spread.Offsets.Count)
                        missing.Add($"{Path.GetFileName(path)}: \"{statement}\"");
                }
            }
        }
        Assert.True(missing.Count == 0, "Not in data/seed-spread.json with every offset (run the --seeds command it names):\n" + string.Join("\n", missing));
    }
}
