using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace NotebookRunner.Tests;

/// <summary>
/// Notebook 05 in a real Jupyter front end, as a learner runs it: Debian's classic Jupyter Notebook serving the
/// repository on 127.0.0.1, the page in headless Chromium with every request outside 127.0.0.1 blocked, the menu's
/// Kernel, "Restart &amp; Run All" in quick mode. Checks that every code cell ran, none has an error output, every chart
/// drew with data, nothing asked the network and no script failed; saves a full-page screenshot
/// (<see cref="CourseRun.Screenshots"/>). Runs alone, after the other tests: sharing two cores with the course run would
/// make its ten-minute bound a measure of the machine's load.
/// </summary>
[Collection(JupyterCollection.Name)]
[Trait("Category", "Slow")]
public sealed class JupyterFrontEndTests(ITestOutputHelper output)
{
    private const string Notebook = "notebooks/05-project-practice.ipynb";
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(10);

    /// <summary>The C# compiler's warnings, which the kernel prints on stderr under Jupyter (CS1701 and the like).</summary>
    private static readonly Regex CompilerWarning = new(@"\bwarning CS\d{4}\b");

    [JupyterFact]
    public async Task Notebook_05_runs_all_cells_in_Jupyter_with_every_chart_drawn_and_the_network_blocked()
    {
        Assert.True(JupyterFactAttribute.Missing is null, JupyterFactAttribute.Missing);
        var root = CourseRun.RepositoryRoot;
        var notebookPath = Path.Combine(root, Notebook);
        var savedBytes = await File.ReadAllBytesAsync(notebookPath);
        var screenshot = Path.Combine(CourseRun.Screenshots("jupyter"), "05-project-practice.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        var clock = Stopwatch.StartNew();

        var server = await JupyterServer.StartAsync(JupyterFactAttribute.Jupyter!, root, new Dictionary<string, string> { ["VAE_QUICK"] = "1" });
        var failures = new List<string>();
        var blocked = new List<string>();
        var scriptErrors = new List<string>();
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = JupyterFactAttribute.Browser.ExecutablePath, Headless = true, Args = ["--no-sandbox"] });
            var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1300, Height = 900 } });
            await context.RouteAsync("**/*", async route =>
            {
                if (new Uri(route.Request.Url).Host == "127.0.0.1") await route.ContinueAsync();
                else
                {
                    lock (blocked) blocked.Add(route.Request.Url);
                    await route.AbortAsync();
                }
            });
            var page = await context.NewPageAsync();
            page.PageError += (_, error) => { lock (scriptErrors) scriptErrors.Add(error); };

            await page.GotoAsync(server.Url + "notebooks/" + Notebook);
            await WaitAsync(page, "() => window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() && document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null",
                TimeSpan.FromMinutes(2), () => $"The .NET (C#) kernel did not start and go idle in Jupyter within 2 min. Server log:\n{server.Log}");
            // The test runs the notebook; it must not save it back into the repository.
            await page.EvaluateAsync("() => Jupyter.notebook.set_autosave_interval(0)");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: kernel idle; Kernel > Restart & Run All");

            await page.ClickAsync("#kernellink");
            await page.ClickAsync("#restart_run_all");
            await page.ClickAsync(".modal-dialog button:has-text('Restart and Run All Cells')");
            await WaitAsync(page, "() => Jupyter.notebook.get_cells().some(c => c.cell_type === 'code' && c.input_prompt_number === '*')",
                TimeSpan.FromMinutes(1), () => "After Restart & Run All, no cell was queued within 1 min.");

            var cells = await WaitForRunAsync(page, server);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: {cells.Count} code cells ran, kernel idle");

            foreach (var cell in cells)
            {
                if (cell.Prompt is not JsonValueKind.Number)
                    failures.Add($"cell {cell.Index} ({cell.FirstLine}) was not executed (prompt {cell.PromptText}).");
                foreach (var error in cell.Errors)
                    failures.Add($"cell {cell.Index} ({cell.FirstLine}) has an error output: {error}");
                foreach (var text in cell.Stderr)
                {
                    var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (!lines.All(CompilerWarning.IsMatch))
                        failures.Add($"cell {cell.Index} ({cell.FirstLine}) wrote to stderr: {text.Trim()}");
                }
            }
            var errorElements = await page.EvaluateAsync<int>("() => document.querySelectorAll('#notebook-container .output_error').length");
            if (errorElements > 0) failures.Add($"{errorElements} error output(s) shown on the page (.output_error).");

            int expected = cells.Sum(c => c.Charts);
            if (expected == 0) failures.Add("No cell produced a Plotly chart output; notebook 05 draws several.");
            try
            {
                await page.WaitForFunctionAsync($"() => document.querySelectorAll('#notebook-container .js-plotly-plot svg.main-svg').length >= {expected}", null, new() { Timeout = 30_000 });
            }
            catch (TimeoutException) { } // counted below
            var drawn = await page.EvaluateAsync<int>(@"() => [...document.querySelectorAll('#notebook-container .js-plotly-plot')].filter(d =>
                d.querySelector('svg.main-svg') && Array.isArray(d.data) && d.data.length > 0 &&
                d.data.some(t => ['x', 'y', 'z', 'source', 'values'].some(k => t[k] && t[k].length > 0))).length");
            output.WriteLine($"charts: {drawn} of {expected} drew with data");
            if (drawn != expected) failures.Add($"{drawn} of {expected} Plotly charts drew with data.");

            // Jupyter scrolls inside #site; let the page grow to the notebook's height for a full-page screenshot.
            await page.AddStyleTagAsync(new() { Content = "html, body, #site { height: auto !important; overflow: visible !important; position: static !important; }" });
            await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
            output.WriteLine($"screenshot: {screenshot}");
        }
        finally
        {
            await server.DisposeAsync();
            if (!(await File.ReadAllBytesAsync(notebookPath)).AsSpan().SequenceEqual(savedBytes))
            {
                await File.WriteAllBytesAsync(notebookPath, savedBytes);
                failures.Add($"Jupyter saved {Notebook} during the test; its original content was put back.");
            }
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s in all");

        var stragglers = server.KernelProcesses();
        if (stragglers.Count > 0) failures.Add($"Processes of the kernel are still running after the server was stopped: {string.Join(", ", stragglers)}");
        if (blocked.Count > 0) failures.Add("The Jupyter page asked the network for:\n" + string.Join("\n", blocked.Distinct()));
        if (scriptErrors.Count > 0) failures.Add("Script errors on the Jupyter page:\n" + string.Join("\n", scriptErrors));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>A code cell as the page's notebook model holds it after the run.</summary>
    private sealed record Cell(int Index, string FirstLine, JsonValueKind Prompt, string PromptText, string[] Errors, string[] Stderr, int Charts);

    /// <summary>
    /// Polls the page until no cell is queued or running and the kernel is idle; fails naming the running cell when
    /// that takes longer than <see cref="RunLimit"/>. Returns every code cell (numbered from 1 among all cells).
    /// </summary>
    private async Task<IReadOnlyList<Cell>> WaitForRunAsync(IPage page, JupyterServer server)
    {
        const string read = @"() => ({
            idle: document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null,
            cells: Jupyter.notebook.get_cells().map((c, i) => ({ c, i })).filter(x => x.c.cell_type === 'code').map(({ c, i }) => ({
                index: i + 1,
                firstLine: c.get_text().split('\n')[0],
                prompt: c.input_prompt_number === undefined ? null : c.input_prompt_number,
                errors: c.output_area.outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
                stderr: c.output_area.outputs.filter(o => o.output_type === 'stream' && o.name === 'stderr').map(o => o.text),
                charts: c.output_area.outputs.map(o => (o.data && o.data['text/html']) || '').filter(h => !h.includes('data-vae-offline-plotly')).map(h => (h.match(/Plotly\.newPlot\(/g) || []).length).reduce((a, b) => a + b, 0)
            }))
        })";
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var state = await page.EvaluateAsync<JsonElement>(read);
            var cells = state.GetProperty("cells").EnumerateArray().Select(c => new Cell(
                c.GetProperty("index").GetInt32(),
                c.GetProperty("firstLine").GetString() ?? "",
                c.GetProperty("prompt").ValueKind,
                c.GetProperty("prompt").ToString(),
                c.GetProperty("errors").EnumerateArray().Select(e => e.GetString() ?? "").ToArray(),
                c.GetProperty("stderr").EnumerateArray().Select(e => e.GetString() ?? "").ToArray(),
                c.GetProperty("charts").GetInt32())).ToList();
            var pending = cells.Where(c => c.PromptText == "*").ToList();
            if (pending.Count == 0 && state.GetProperty("idle").GetBoolean()) return cells;
            if (clock.Elapsed > RunLimit)
            {
                var running = pending.FirstOrDefault();
                throw new TimeoutException(running is null
                    ? $"Every cell finished but the kernel was still busy after {RunLimit.TotalMinutes:0} min."
                    : $"Cell {running.Index} ({running.FirstLine}) of {Notebook} did not finish within {RunLimit.TotalMinutes:0} min of Restart & Run All; " +
                      $"{pending.Count - 1} more cell(s) were still queued. Server log:\n{Tail(server.Log)}");
            }
            await Task.Delay(1000);
        }
    }

    private static async Task WaitAsync(IPage page, string condition, TimeSpan limit, Func<string> failure)
    {
        try
        {
            await page.WaitForFunctionAsync(condition, null, new() { Timeout = (float)limit.TotalMilliseconds, PollingInterval = 500 });
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(failure());
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "..." + text[^4000..];
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class JupyterCollection
{
    public const string Name = "Jupyter front end";
}

/// <summary>
/// A fact that needs Debian's Jupyter Notebook (<c>jupyter-notebook</c>) and a Chromium (found as the browser tests
/// find it, <see cref="Chromium.Find"/>). Skipped with the reason and the commands that install them when either is
/// missing, except under CI (CI=true), where it runs and fails.
/// </summary>
public sealed class JupyterFactAttribute : FactAttribute
{
    /// <summary>The browser the test drives (its executable, or Playwright's own when the path is null).</summary>
    public static readonly ChromiumLocation Browser = Chromium.Find(Environment.GetEnvironmentVariable, File.Exists, Directory.Exists);

    /// <summary>The jupyter command found on PATH, or null.</summary>
    public static readonly string? Jupyter = FindOnPath("jupyter");

    /// <summary>What is missing, as a sentence, or null when both are there.</summary>
    public static readonly string? Missing = FindMissing();

    public JupyterFactAttribute()
    {
        if (Missing is not null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Skip = Missing + " Under CI=true this is a failure.";
    }

    private static string? FindMissing()
    {
        var missing = new List<string>();
        if (Jupyter is null || FindOnPath("jupyter-notebook") is null) missing.Add("Debian's Jupyter Notebook (apt-get install jupyter-notebook)");
        if (!Browser.Found) missing.Add($"a Chromium ({Browser.Description}; {Chromium.InstallHint})");
        return missing.Count == 0 ? null : "The Jupyter front-end test needs " + string.Join(" and ", missing) + ".";
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
