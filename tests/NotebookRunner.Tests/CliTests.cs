using System.Text.Json.Nodes;
using static NotebookRunner.Tests.Notebooks;

namespace NotebookRunner.Tests;

/// <summary>The command line: a failing cell through a filtered real run, and listing with filters (no kernel).</summary>
[Trait("Category", "Slow")]
public sealed class CliTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string MakeFolder()
    {
        var folder = _temp.Sub("notebooks");
        Write(folder, "01-intro.ipynb", Code("File.WriteAllText(\"intro-ran.txt\", \"x\");"));
        Write(folder, "02-failing.ipynb",
            Code("Console.WriteLine(\"before\");"),                           // 1
            Markdown("Markdown counts as a cell."),                           // 2
            Code("throw new InvalidOperationException(\"boom 7\");"),         // 3
            Code("File.WriteAllText(\"after-ran.txt\", \"x\");"));            // 4
        Write(folder, "10-later.ipynb", Code("1"));
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a notebook");
        return folder;
    }

    [Fact]
    public async Task Failing_cell_is_reported_by_number_later_cells_do_not_run_and_exit_code_is_nonzero()
    {
        var folder = MakeFolder();
        var output = Path.Combine(_temp.Path, "out");
        var console = new StringWriter();

        var exit = await Cli.InvokeAsync(["--notebooks", folder, "--output", output, "--cell-timeout", "120", "fail"], console);
        var text = console.ToString();

        Assert.True(exit == Cli.ExitFailed, text);
        Assert.True(text.Contains("[02-failing] cell 1/4"), text);
        Assert.Contains("[02-failing] cell 1/4", text);
        Assert.Contains("[02-failing] error in cell 3", text);
        Assert.Contains("boom 7", text);
        Assert.Contains("Notebooks: 0 passed, 1 failed", text);
        Assert.DoesNotContain("[01-intro]", text);                       // the filter kept it out
        Assert.DoesNotContain("[10-later]", text);
        Assert.False(File.Exists(Path.Combine(folder, "intro-ran.txt")));
        Assert.False(File.Exists(Path.Combine(folder, "after-ran.txt"))); // cell 4 never ran
        Assert.False(File.Exists(Path.Combine(output, "01-intro.ipynb")));

        // The executed notebook is written up to the failure, with the error as an nbformat error output.
        var root = Nbformat.AssertValid(File.ReadAllText(Path.Combine(output, "02-failing.ipynb")));
        var cells = root["cells"]!.AsArray();
        Assert.Equal("before\n", Text(cells[0]!["outputs"]![0]!["text"]));
        var error = Assert.Single(cells[2]!["outputs"]!.AsArray())!;
        Assert.Equal("error", error["output_type"]!.GetValue<string>());
        Assert.Equal("System.InvalidOperationException", error["ename"]!.GetValue<string>());
        Assert.Equal("boom 7", error["evalue"]!.GetValue<string>());
        Assert.Null(cells[3]!["execution_count"]);
        Assert.Empty(cells[3]!["outputs"]!.AsArray());

        // The book is written beside the output folder, from what ran, error included.
        Assert.Contains("Book: 1 page(s)", text);
        var page = File.ReadAllText(Path.Combine(_temp.Path, "book", "02-failing.html"));
        Assert.Contains("boom 7", page);
    }

    [Fact]
    public async Task Book_only_writes_the_book_from_executed_notebooks_and_no_book_skips_it()
    {
        var folder = MakeFolder();
        var output = _temp.Sub("executed");
        File.Copy(BookTests.ExecutedNotebook(_temp.Sub("made"), "10-later.ipynb", "Later"), Path.Combine(output, "10-later.ipynb"));
        var book = Path.Combine(_temp.Path, "my-book");
        var console = new StringWriter();

        var exit = await Cli.InvokeAsync(["--notebooks", folder, "--output", output, "--book", book, "--book-only"], console);

        Assert.True(exit == Cli.ExitOk, console.ToString());
        Assert.Contains("Book: 1 page(s), 1 chart(s)", console.ToString());
        Assert.True(File.Exists(Path.Combine(book, "index.html")));
        Assert.True(File.Exists(Path.Combine(book, "10-later.html")));
        Assert.False(File.Exists(Path.Combine(book, "01-intro.html"))); // never executed, so not in the book

        var empty = _temp.Sub("nothing-executed");
        var failed = new StringWriter();
        Assert.Equal(Cli.ExitFailed, await Cli.InvokeAsync(["--notebooks", folder, "--output", empty, "--book-only"], failed));
        Assert.Contains("book not written", failed.ToString());

        var quiet = new StringWriter();
        var run = await Cli.InvokeAsync(["--notebooks", folder, "--output", _temp.Sub("out2"), "--no-book", "later"], quiet);
        Assert.True(run == Cli.ExitOk, quiet.ToString());
        Assert.DoesNotContain("Book:", quiet.ToString());
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "book")));
    }

    [Theory]
    [InlineData(new string[0], "01-intro.ipynb,02-failing.ipynb,10-later.ipynb")]
    [InlineData(new[] { "INTRO" }, "01-intro.ipynb")]
    [InlineData(new[] { "0?-*" }, "01-intro.ipynb,02-failing.ipynb")]
    [InlineData(new[] { "10-later" }, "10-later.ipynb")]
    [InlineData(new[] { "*ing.ipynb", "later" }, "02-failing.ipynb,10-later.ipynb")]
    public async Task List_shows_the_notebooks_the_filters_select_in_name_order(string[] filters, string expected)
    {
        var folder = MakeFolder();
        var console = new StringWriter();

        var exit = await Cli.InvokeAsync(["--notebooks", folder, "--list", .. filters], console);

        Assert.Equal(Cli.ExitOk, exit);
        var lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(expected, string.Join(",", lines));
    }

    [Fact]
    public async Task A_filter_matching_nothing_is_a_usage_error()
    {
        var folder = MakeFolder();
        var console = new StringWriter();

        var exit = await Cli.InvokeAsync(["--notebooks", folder, "--output", Path.Combine(_temp.Path, "out"), "nope"], console);

        Assert.Equal(Cli.ExitUsage, exit);
        Assert.Contains("no notebooks matching nope", console.ToString());
    }

    [Fact]
    public async Task Fresh_sets_VAE_FRESH_for_the_kernel_and_without_it_the_kernel_inherits_this_environment()
    {
        var folder = _temp.Sub("fresh-notebooks");
        Write(folder, "01-fresh.ipynb", Code("System.Environment.GetEnvironmentVariable(\"VAE_FRESH\") ?? \"unset\""));
        Assert.Null(Environment.GetEnvironmentVariable("VAE_FRESH")); // the test process has none, so a kernel that inherits shows "unset"

        foreach (var (arguments, expected) in new[] { (new[] { "--fresh" }, "1"), (Array.Empty<string>(), "unset") })
        {
            var output = _temp.Sub("fresh-out" + arguments.Length);
            var console = new StringWriter();
            var exit = await Cli.InvokeAsync(["--notebooks", folder, "--output", output, "--no-book", .. arguments], console);

            Assert.True(exit == Cli.ExitOk, console.ToString());
            Assert.Equal(arguments.Length > 0, console.ToString().Contains("(VAE_FRESH=1)"));
            var cells = Nbformat.AssertValid(File.ReadAllText(Path.Combine(output, "01-fresh.ipynb")))["cells"]!.AsArray();
            Assert.Equal(expected, Text(cells[0]!["outputs"]![0]!["data"]!["text/plain"]));
        }
    }

    [Fact]
    public async Task Help_describes_the_options()
    {
        var console = new StringWriter();

        var exit = await Cli.InvokeAsync(["--help"], console);

        Assert.Equal(0, exit);
        foreach (var option in new[] { "--notebooks", "--output", "--quick", "--fresh", "--cell-timeout", "--list", "--book", "--no-book", "--book-only", "filters" })
            Assert.Contains(option, console.ToString());
    }

    private static string Text(JsonNode? node) =>
        node is JsonArray a ? string.Concat(a.Select(x => x!.GetValue<string>())) : node!.GetValue<string>();
}
