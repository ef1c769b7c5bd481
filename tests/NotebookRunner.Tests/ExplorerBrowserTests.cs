using Microsoft.Playwright;
using NotebookRunner.Book;
using static NotebookRunner.Tests.Notebooks;

namespace NotebookRunner.Tests;

/// <summary>
/// The latent explorer and the interpolation slider (VaeCourse.LatentExplorer, notebook 06) as a reader meets them:
/// a small notebook draws both for a small untrained VAE in the official kernel, so Plotly.NET.Interactive's own
/// formatter writes their HTML; the book is written from it; and headless Chromium, with the network blocked, points
/// at the latent plane and drags the slider and checks that the decoded image shown changes each time.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ExplorerBrowserTests
{
    // The image trace's source and whether the plot drew an <image> with it (plotly.js renders it asynchronously).
    private const string ShownImage = @"i => {
        const gd = document.querySelectorAll('.output.chart .js-plotly-plot')[i];
        const trace = gd.data.find(t => t.type === 'image');
        const drawn = [...gd.querySelectorAll('image')].some(e => (e.getAttribute('href') || e.getAttribute('xlink:href')) === trace.source);
        return drawn ? trace.source : '';
    }";

    // The z1 of the explorer's cross, which marks the grid point whose decoded image is shown.
    private const string Cross = "() => document.querySelectorAll('.output.chart .js-plotly-plot')[0].data.find(t => t.name === 'decoded point').x[0]";

    [Fact]
    public async Task Pointing_at_the_latent_plane_and_dragging_the_slider_change_the_decoded_image()
    {
        using var temp = new TempFolder();
        var notebooks = CourseRun.NotebooksFolder;
        var notebook = Write(temp.Sub("notebooks"), "01-explorer.ipynb",
            Markdown("# Explorer"),
            // The course's setup cell, pointed at the repository: course.dib builds lib/ and references it from the notebooks' folder.
            Code($"System.IO.Directory.SetCurrentDirectory(@\"{notebooks}\");"),
            Code($"#!import {Path.Combine(notebooks, "setup", "course.dib")}"),
            Code("using VaeCourse;\nusing VaeCourse.Model;\nusing static TorchSharp.torch;\n" +
                 "var vae = Vae.Mlp(inputSize: 784, hidden: new[] { 16 }, latentSize: 2);\nvar images = rand(60, 784);\n" +
                 "LatentExplorer.Plane(vae, images, arange(60) % 3, new[] { \"a\", \"b\", \"c\" }, size: 7)"),
            Code("LatentExplorer.Interpolation(vae, images[0], images[1], steps: 5)"));
        var run = await NotebookExecutor.RunAsync(notebook, new RunOptions { OutputDirectory = temp.Sub("executed"), ToolDirectory = CourseRun.RepositoryRoot });
        Assert.True(run.Succeeded, $"{run.Status}: {run.Error}");
        var book = await BookBuilder.BuildAsync([run.OutputPath!], Path.Combine(temp.Path, "book"), CourseRun.NpmCache);
        Assert.Equal(2, book.Pages.Single().Charts);

        var (seen, crosses) = (new List<string>(), new List<double>());
        await BookBrowser.CheckAsync(book, CourseRun.Screenshots("explorer"), async (page, file) =>
        {
            if (file == "index.html") return;
            await page.WaitForSelectorAsync("[data-latent-explorer=ready]", new() { Timeout = 30_000, State = WaitForSelectorState.Attached });
            var before = await page.EvaluateAsync<string>(ShownImage, 0);
            Assert.StartsWith("data:image/png;base64,", before);

            // Point at two opposite corners of the grid, then at the code furthest left (over a class trace's point):
            // each time another image must be drawn and the cross move to the grid column nearest the pointer. The
            // wait is for that column, not for any new image: plotly.js throttles hover events, so an image can change
            // at a point the pointer passed on its way before the last move is handled.
            string shown = before;
            foreach (var target in new[] { "[z1[0], z2[0]]", "[z1[z1.length - 1], z2[z2.length - 1]]", "codes[0]" })
            {
                var (x, y, column) = await PagePoint(page, target);
                await page.Mouse.MoveAsync(x, y, new() { Steps = 3 });
                try
                {
                    await page.WaitForFunctionAsync($"([i, old, z]) => ({ShownImage})(i) !== '' && ({ShownImage})(i) !== old && ({Cross})() === z",
                        new object[] { 0, shown, column }, new() { Timeout = 10_000 });
                }
                catch (TimeoutException)
                {
                    Assert.Fail($"pointing at {target} (z1 column {column}) left the cross at z1 = {await page.EvaluateAsync<double>(Cross)}");
                }
                shown = await page.EvaluateAsync<string>(ShownImage, 0);
                seen.Add(shown);
                crosses.Add(await page.EvaluateAsync<double>(Cross));
            }

            // Drag the interpolation slider's grip from t = 0 to the end of its rail.
            var start = await page.EvaluateAsync<string>(ShownImage, 1);
            var slider = (await page.QuerySelectorAllAsync(".output.chart .js-plotly-plot"))[1];
            await slider.ScrollIntoViewIfNeededAsync();
            var (grip, rail) = ((await slider.QuerySelectorAsync("rect.slider-grip-rect"))!, (await slider.QuerySelectorAsync("rect.slider-rail-rect"))!);
            var (g, r) = ((await grip.BoundingBoxAsync())!, (await rail.BoundingBoxAsync())!);
            await page.Mouse.MoveAsync(g.X + g.Width / 2, g.Y + g.Height / 2);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(r.X + r.Width - 2, g.Y + g.Height / 2, new() { Steps = 8 });
            await page.Mouse.UpAsync();
            await page.WaitForFunctionAsync($"([i, old]) => ({ShownImage})(i) !== '' && ({ShownImage})(i) !== old", new object[] { 1, start }, new() { Timeout = 10_000 });
            var end = await page.EvaluateAsync<string>(ShownImage, 1);
            var last = await page.EvaluateAsync<string>("() => document.querySelectorAll('.output.chart .js-plotly-plot')[1].layout.sliders[0].steps.at(-1).args[0].source[0]");
            Assert.Equal(last, end);
        });
        Assert.Equal(3, seen.Distinct().Count());
        Assert.True(crosses[0] < crosses[1] && crosses[2] < crosses[1], $"the cross did not follow the pointer: z1 = {string.Join(", ", crosses)}");
    }

    /// <summary>
    /// The page coordinates of a latent point of the explorer (chart 0), given as a JavaScript expression over its
    /// grid values z1 and z2 (the heatmap's x and y) and its codes (all class traces' points, by increasing z1), with
    /// the z1 of the grid column nearest to it, where the explorer's cross must go.
    /// </summary>
    private static async Task<(float X, float Y, double Column)> PagePoint(IPage page, string point)
    {
        var xy = await page.EvaluateAsync<double[]>($@"() => {{
            const gd = document.querySelectorAll('.output.chart .js-plotly-plot')[0];
            const grid = gd.data.find(t => t.type === 'heatmap'), z1 = grid.x, z2 = grid.y;
            const codes = gd.data.filter(t => t.type === 'scatter' && t.hoverinfo !== 'skip')
                .flatMap(t => t.x.map((x, k) => [x, t.y[k]])).sort((a, b) => a[0] - b[0]);
            const [x, y] = {point};
            gd.scrollIntoView({{ block: 'center' }});
            const box = gd.querySelector('.nsewdrag[data-subplot=xy]').getBoundingClientRect(), L = gd._fullLayout;
            const column = z1.reduce((a, b) => Math.abs(b - x) < Math.abs(a - x) ? b : a);
            return [box.left + L.xaxis.d2p(x), box.top + L.yaxis.d2p(y), column];
        }}");
        return ((float)xy[0], (float)xy[1], xy[2]);
    }
}
