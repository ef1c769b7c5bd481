using Microsoft.Playwright;
using NotebookRunner.Book;

namespace NotebookRunner.Tests;

/// <summary>
/// Opens every page of the book made from the quick-mode run of the course in headless Chromium with all network
/// traffic blocked, and checks that each Plotly chart drew with data and that the maths typeset without error.
/// Saves a screenshot of every page, and of every chart output (<see cref="CourseRun.Screenshots"/>).
/// </summary>
[Collection(CourseCollection.Name)]
[Trait("Category", "Slow")]
public sealed class CourseBookBrowserTests(CourseRun course)
{
    [BrowserFact]
    public async Task Every_page_of_the_course_book_draws_its_charts_and_maths_with_the_network_blocked()
    {
        Assert.True(course.Book is not null, $"The book was not written: {course.BookError}");
        Assert.Equal(course.Results.Count, course.Book!.Pages.Count);
        var seen = await BookBrowser.CheckAsync(course.Book, CourseRun.Screenshots("book"));
        Assert.True(seen.Charts > 0, "The course's book has no chart at all.");
        Assert.True(seen.Maths > 0, "The course's book has no maths at all.");

        // The main command's book (artifacts/book, written by the last full run), when there is one, gets the same
        // check; its screenshots are the pictures the README shows (kept when VAE_SCREENSHOTS names a folder).
        var mainBook = Path.Combine(CourseRun.RepositoryRoot, "artifacts", "book");
        var executed = Path.Combine(CourseRun.RepositoryRoot, "artifacts", "notebooks");
        if (File.Exists(Path.Combine(mainBook, "index.html")) && Directory.Exists(executed))
        {
            using var temp = new TempFolder();
            var rebuilt = await BookBuilder.BuildAsync(Runner.ExecutedCopies(CourseRun.NotebooksFolder, executed), Path.Combine(temp.Path, "book"), CourseRun.NpmCache);
            await BookBrowser.CheckAsync(rebuilt, CourseRun.Screenshots("main-book"));
        }
    }
}

/// <summary>
/// The course's executed notebooks as a notebook front end shows them, with the network blocked: every HTML output
/// of a notebook in one page, in order, as VS Code and JupyterLab put them in one document (without require.js), and
/// again with Debian's require.js loaded first, as Jupyter's classic notebook has it. Every chart must draw.
/// </summary>
[Collection(CourseCollection.Name)]
[Trait("Category", "Slow")]
public sealed class CourseNotebookOutputsBrowserTests(CourseRun course)
{
    private const string DebianRequireJs = "/usr/share/javascript/requirejs/require.min.js";

    [BrowserFact]
    public async Task Every_chart_of_every_executed_notebook_draws_offline_with_and_without_requirejs()
    {
        var chromium = Chromium.Find(Environment.GetEnvironmentVariable, File.Exists, Directory.Exists);
        Assert.True(chromium.Found, $"No Chromium for the browser tests ({chromium.Description}): {Chromium.InstallHint}.");
        using var temp = new TempFolder();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium.ExecutablePath, Headless = true, Args = ["--no-sandbox"] });
        var context = await browser.NewContextAsync();
        var blocked = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith("file:", StringComparison.Ordinal)) await route.ContinueAsync();
            else { lock (blocked) blocked.Add(route.Request.Url); await route.AbortAsync(); }
        });
        var page = await context.NewPageAsync();
        var failures = new List<string>();
        var heads = new List<(string Name, string Head)> { ("no require.js", "") };
        if (File.Exists(DebianRequireJs)) heads.Add(("require.js", $"<script src=\"{new Uri(DebianRequireJs).AbsoluteUri}\"></script>"));
        foreach (var (fileName, result) in course.Results.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var html = result.Cells.SelectMany(c => c.Outputs).Select(o => o.Data.TryGetValue("text/html", out var h) ? h : null).OfType<string>().ToList();
            int charts = html.Count(h => h.Contains("Plotly.newPlot(") && !h.Contains(VaeCourse.Charts.OfflinePlotlyMarker));
            foreach (var (name, head) in heads)
            {
                var file = Path.Combine(temp.Path, $"{Path.GetFileNameWithoutExtension(fileName)}-{name.Replace(' ', '-')}.html");
                File.WriteAllText(file, $"<!doctype html><html><head><meta charset=\"utf-8\">{head}</head><body>{string.Concat(html.Select(h => $"<div>{h}</div>"))}</body></html>");
                await page.GotoAsync(new Uri(file).AbsoluteUri);
                try { await page.WaitForFunctionAsync($"() => document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= {charts}", null, new() { Timeout = 30_000 }); }
                catch (TimeoutException) { } // counted below
                var drawn = await page.EvaluateAsync<int>(@"() => [...document.querySelectorAll('.js-plotly-plot')].filter(d =>
                    d.querySelector('svg.main-svg') && Array.isArray(d.data) && d.data.length > 0).length");
                if (drawn != charts) failures.Add($"{fileName} ({name}): {drawn} of {charts} charts drew");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(blocked.Count == 0, "The notebooks' outputs asked the network for:\n" + string.Join("\n", blocked.Distinct()));
    }
}

/// <summary>The same browser check on a small book of two made-up notebooks: fast, and independent of the course.</summary>
[Trait("Category", "Slow")]
public sealed class BookBrowserTests
{
    [BrowserFact]
    public async Task A_small_book_draws_its_chart_and_maths_offline()
    {
        using var temp = new TempFolder();
        var notebook = BookTests.ExecutedNotebook(temp.Path, "01-first.ipynb", "First");
        var book = await BookBuilder.BuildAsync([notebook], Path.Combine(temp.Path, "book"), CourseRun.NpmCache);
        var seen = await BookBrowser.CheckAsync(book, temp.Sub("screenshots"));
        Assert.Equal((1, 2), (seen.Charts, seen.Maths));
        Assert.True(File.Exists(Path.Combine(temp.Path, "screenshots", "01-first.png")));
    }
}

/// <summary>Drives Chromium (<see cref="Chromium.Find"/>: CHROMIUM_PATH, Debian's, or Playwright's own) through Playwright over a written book.</summary>
public static class BookBrowser
{
    /// <summary>
    /// Opens the index and every page with all non-file requests aborted; fails the test on any chart that did not
    /// draw with data, any maths that did not typeset, any KaTeX error, any script error, or any network request.
    /// Returns the charts and maths expressions seen. <paramref name="interact"/>, when given, runs on every page (with
    /// its file name) after these checks and before the screenshots, under the same network block and error watch.
    /// </summary>
    public static async Task<(int Charts, int Maths)> CheckAsync(BookResult book, string screenshotFolder, Func<IPage, string, Task>? interact = null)
    {
        var chromium = Chromium.Find(Environment.GetEnvironmentVariable, File.Exists, Directory.Exists);
        Assert.True(chromium.Found, $"No Chromium for the browser tests ({chromium.Description}): {Chromium.InstallHint}.");
        Directory.CreateDirectory(screenshotFolder);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium.ExecutablePath, Headless = true, Args = ["--no-sandbox"] });
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1300, Height = 900 } });
        var blocked = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith("file:", StringComparison.Ordinal)) await route.ContinueAsync();
            else
            {
                lock (blocked) blocked.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });
        var page = await context.NewPageAsync();
        var scriptErrors = new List<string>();
        page.PageError += (_, error) => { lock (scriptErrors) scriptErrors.Add(error); };

        var failures = new List<string>();
        int chartsSeen = 0, mathsSeen = 0;
        foreach (var (file, charts, maths) in book.Pages.Select(p => (p.FileName, p.Charts, p.MathExpressions)).Prepend(("index.html", 0, 0)))
        {
            await page.GotoAsync(new Uri(Path.Combine(book.Directory, file)).AbsoluteUri);
            await page.WaitForSelectorAsync("body[data-ready=true]", new() { Timeout = 30_000, State = WaitForSelectorState.Attached });
            if (charts > 0)
            {
                try
                {
                    await page.WaitForFunctionAsync($"() => document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= {charts}", null, new() { Timeout = 30_000 });
                }
                catch (TimeoutException) { } // counted below
            }
            var drawn = await page.EvaluateAsync<int>(@"() => [...document.querySelectorAll('.js-plotly-plot')].filter(d =>
                d.querySelector('svg.main-svg') && Array.isArray(d.data) && d.data.length > 0 &&
                d.data.some(t => ['x', 'y', 'z', 'source', 'values'].some(k => t[k] && t[k].length > 0))).length");
            var typeset = await page.EvaluateAsync<int>("() => document.querySelectorAll('.math .katex').length");
            var mathErrors = await page.EvaluateAsync<int>("() => document.querySelectorAll('.katex-error').length");
            if (drawn != charts) failures.Add($"{file}: {drawn} of {charts} charts drew with data");
            if (typeset != maths) failures.Add($"{file}: {typeset} of {maths} maths expressions typeset");
            if (mathErrors > 0) failures.Add($"{file}: {mathErrors} KaTeX errors");
            chartsSeen += drawn;
            mathsSeen += typeset;
            if (interact is not null) await interact(page, file);

            var name = Path.GetFileNameWithoutExtension(file);
            await page.ScreenshotAsync(new() { Path = Path.Combine(screenshotFolder, name + ".png"), FullPage = true });
            var outputs = await page.QuerySelectorAllAsync(".output.chart .js-plotly-plot"); // the plot itself: wide charts overflow the text column
            for (int i = 0; i < outputs.Count; i++)
                await outputs[i].ScreenshotAsync(new() { Path = Path.Combine(screenshotFolder, $"{name}-chart-{i + 1:00}.png") });
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(blocked.Count == 0, "The book asked the network for:\n" + string.Join("\n", blocked.Distinct()));
        Assert.True(scriptErrors.Count == 0, "Script errors:\n" + string.Join("\n", scriptErrors));
        return (chartsSeen, mathsSeen);
    }
}
