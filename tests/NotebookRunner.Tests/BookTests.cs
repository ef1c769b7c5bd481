using System.Net;
using System.Text.Json.Nodes;
using NotebookRunner.Book;

namespace NotebookRunner.Tests;

/// <summary>The HTML book from executed notebooks: rendering of every cell and output kind, offline assets, failures.</summary>
public sealed class BookTests
{
    internal static string ExecutedNotebook(string folder, string fileName, string title)
    {
        JsonObject Code(string source, params JsonObject[] outputs) => new()
        {
            ["cell_type"] = "code", ["execution_count"] = 1, ["id"] = Guid.NewGuid().ToString("N")[..8],
            ["metadata"] = new JsonObject(), ["outputs"] = new JsonArray(outputs), ["source"] = source,
        };
        JsonObject Markdown(string source) => new()
        {
            ["cell_type"] = "markdown", ["id"] = Guid.NewGuid().ToString("N")[..8], ["metadata"] = new JsonObject(), ["source"] = source,
        };
        JsonObject Display(string mime, string value) => new()
        {
            ["data"] = new JsonObject { [mime] = value }, ["metadata"] = new JsonObject(), ["output_type"] = "display_data",
        };
        const string chart = "<div id=\"c1\"></div><script>var f = requirejs.config({paths:{plotly:'https://cdn.plot.ly/plotly-2.28.0.min'}}) || require;" +
                             "f(['plotly'], function(Plotly) { Plotly.newPlot('c1', [{type:'scatter', x:[1,2], y:[3,4]}], {}, {}); });</script>";
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(
                Markdown($"# {title}\n\nWhat this notebook shows, with $x^2$ inline.\n\n$$\\sum_i x_i$$\n\n| a | b |\n|---|---|\n| 1 | 2 |"),
                Code("var x = 1 < 2;\nConsole.WriteLine(x);",
                    new JsonObject { ["name"] = "stdout", ["output_type"] = "stream", ["text"] = "True\n" },
                    Display("text/html", chart),
                    Display("text/plain", "plain <text>"),
                    Display("image/png", "iVBORw0KGgo="),
                    new JsonObject { ["ename"] = "Error", ["evalue"] = "boom", ["output_type"] = "error", ["traceback"] = new JsonArray("at cell 2") })),
            ["metadata"] = new JsonObject(),
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        var path = Path.Combine(folder, fileName);
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    [Fact]
    public async Task Book_renders_markdown_maths_code_and_every_output_kind_with_local_assets()
    {
        using var temp = new TempFolder();
        var first = ExecutedNotebook(temp.Path, "02-second.ipynb", "Second");
        var second = ExecutedNotebook(temp.Path, "01-first.ipynb", "First");
        var site = Path.Combine(temp.Path, "book");

        var book = await BookBuilder.BuildAsync([first, second], site, CourseRun.NpmCache);

        Assert.Equal(["01-first.html", "02-second.html"], book.Pages.Select(p => p.FileName));
        Assert.All(book.Pages, p => Assert.Equal((1, 2), (p.Charts, p.MathExpressions)));
        var index = File.ReadAllText(book.IndexPath);
        Assert.True(index.IndexOf("01-first.html", StringComparison.Ordinal) < index.IndexOf("02-second.html", StringComparison.Ordinal));
        Assert.Contains("What this notebook shows", index);

        var page = File.ReadAllText(Path.Combine(site, "01-first.html"));
        Assert.Contains("<h1", page);
        Assert.Contains("<span class=\"math\">", page);
        Assert.Contains("<div class=\"math\">", page);
        Assert.Contains("<table>", page);
        Assert.Contains("<code class=\"language-csharp\">var x = 1 &lt; 2;", page);
        Assert.Contains("<pre class=\"output stdout\">True", page);
        Assert.Contains("Plotly.newPlot('c1'", page);
        Assert.Contains("plain &lt;text&gt;", page);
        Assert.Contains("src=\"data:image/png;base64,iVBORw0KGgo=\"", page);
        Assert.Contains("<pre class=\"output error\">Error: boom", page);
        Assert.Contains("href=\"02-second.html\"", page);

        foreach (var asset in new[] { "plotly.min.js", "requirejs-shim.js", "book.js", "book.css", "katex/katex.min.js", "katex/katex.min.css", "highlight/highlight.min.js", "highlight/csharp.min.js" })
            Assert.True(File.Exists(Path.Combine(site, "assets", asset)), $"missing asset {asset}");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(site, "assets", "katex", "fonts"), "*.woff2"));
        // Only Plotly.NET's own snippet names a CDN (the shim answers it locally); the page loads nothing from the network.
        Assert.DoesNotContain("src=\"http", page);
        Assert.DoesNotContain("href=\"http", page.Replace("href=\"https://", "href=\"http"), StringComparison.Ordinal); // no external stylesheet
        Assert.Equal(book.Bytes, new DirectoryInfo(site).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length));
    }

    [Fact]
    public async Task The_index_shows_the_READMEs_claim_map_with_every_section_of_the_article()
    {
        var map = BookBuilder.ClaimMapFrom(Path.Combine(CourseRun.RepositoryRoot, "README.md"));
        Assert.NotNull(map);
        Assert.DoesNotContain("](#", map);          // README anchors do not exist in the book
        Assert.DoesNotContain("\n## ", map);       // one section only
        var sections = map!.Split('\n').Where(l => l.StartsWith("| ") && !l.StartsWith("| article") && !l.StartsWith("| ---"))
            .Select(l => l.Split('|')[1].Trim()).ToList();
        foreach (var section in new[] { "1", "2.1", "2.2", "2.3", "3.3", "3.4", "4.2", "5", "6", "7", "8", "9.1", "9.2" })
            Assert.Contains(section, sections);

        using var temp = new TempFolder();
        var notebook = ExecutedNotebook(temp.Path, "01-first.ipynb", "First");
        var book = await BookBuilder.BuildAsync([notebook], Path.Combine(temp.Path, "book"), CourseRun.NpmCache, claimMap: map);
        var index = File.ReadAllText(book.IndexPath);
        Assert.Contains("<h2 id=\"claims\">The article, claim by claim</h2>", index);
        Assert.Contains("<table>", index);
        Assert.Contains("the fourth link is a dead path", index);

        Assert.Null(BookBuilder.ClaimMapFrom(Path.Combine(temp.Path, "no-README.md")));
    }

    [Fact]
    public async Task A_failed_download_names_the_url_and_the_cache_file_and_keeps_the_previous_book()
    {
        using var temp = new TempFolder();
        var notebook = ExecutedNotebook(temp.Path, "01-first.ipynb", "First");
        var site = Path.Combine(temp.Path, "book");
        await BookBuilder.BuildAsync([notebook], site, CourseRun.NpmCache);
        var before = File.ReadAllText(Path.Combine(site, "index.html"));

        var emptyCache = temp.Sub("empty-cache");
        using var http = new HttpClient(new StatusHandler(HttpStatusCode.NotFound));
        var error = await Assert.ThrowsAsync<BookException>(() => BookBuilder.BuildAsync([notebook], site, emptyCache, http));

        Assert.Contains(BookAssets.Packages[0].Url, error.Message);
        Assert.Contains(Path.Combine(emptyCache, BookAssets.Packages[0].FileName), error.Message);
        Assert.Equal(before, File.ReadAllText(Path.Combine(site, "index.html")));
        Assert.Empty(Directory.GetFiles(emptyCache));
        Assert.DoesNotContain(Directory.GetDirectories(temp.Path), d => Path.GetFileName(d).StartsWith("book.", StringComparison.Ordinal)); // no staging folder left
    }

    [Fact]
    public async Task A_download_with_the_wrong_checksum_is_discarded()
    {
        using var temp = new TempFolder();
        var notebook = ExecutedNotebook(temp.Path, "01-first.ipynb", "First");
        var cache = temp.Sub("cache");
        using var http = new HttpClient(new StatusHandler(HttpStatusCode.OK, "not the tarball"));
        var error = await Assert.ThrowsAsync<BookException>(() => BookBuilder.BuildAsync([notebook], Path.Combine(temp.Path, "book"), cache, http));
        Assert.Contains("SHA-512", error.Message);
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Fact]
    public async Task Missing_or_broken_executed_notebooks_are_clear_errors()
    {
        using var temp = new TempFolder();
        var none = await Assert.ThrowsAsync<BookException>(() => BookBuilder.BuildAsync([], Path.Combine(temp.Path, "book"), CourseRun.NpmCache));
        Assert.Contains("run the notebooks first", none.Message);
        var missing = Path.Combine(temp.Path, "01-missing.ipynb");
        var absent = await Assert.ThrowsAsync<BookException>(() => BookBuilder.BuildAsync([missing], Path.Combine(temp.Path, "book"), CourseRun.NpmCache));
        Assert.Contains(missing, absent.Message);
        var broken = Path.Combine(temp.Path, "02-broken.ipynb");
        File.WriteAllText(broken, "{ not json");
        var invalid = await Assert.ThrowsAsync<BookException>(() => BookBuilder.BuildAsync([broken], Path.Combine(temp.Path, "book"), CourseRun.NpmCache));
        Assert.Contains(broken, invalid.Message);
    }

    private sealed class StatusHandler(HttpStatusCode status, string body = "") : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body) });
    }
}
