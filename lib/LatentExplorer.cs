using System.Globalization;
using System.Text.Json;
using Plotly.NET;
using Plotly.NET.CSharp;
using Plotly.NET.LayoutObjects;
using VaeCourse.Model;
using static TorchSharp.torch;
using CChart = Plotly.NET.CSharp.Chart;

namespace VaeCourse;

/// <summary>
/// Interactive views of a trained VAE's latent space for the classroom, drawn by plotly.js from the static HTML of
/// the chart alone (no kernel, server or network behind it): the reader points at the latent plane and sees what the
/// decoder p(x|z) makes of that point, or drags a slider along the straight line between two images' posterior
/// means. Every decoded image is computed in advance and embedded as a small PNG (<see cref="PngImage"/>), so the
/// output size grows with the number of images shown, under a kilobyte per 28 x 28 image.
/// </summary>
public static class LatentExplorer
{
    /// <summary>The name of the trace that marks the decoded latent point on the plane (the script finds it by name).</summary>
    private const string MarkerName = "decoded point";

    /// <summary>
    /// The latent plane of a VAE with 2 latent units: the posterior means mu(x) of <paramref name="images"/>,
    /// coloured by <paramref name="labels"/> (as <see cref="Charts.LatentScatter"/>), beside the decoded mean of p(x|z)
    /// at the point under the pointer. The decoder's outputs are precomputed on an evenly spaced
    /// <paramref name="size"/> x <paramref name="size"/> grid spanning the codes on each axis; pointing (hovering, or
    /// clicking on a touch screen) anywhere on the plane shows the image of the nearest grid point and moves a cross
    /// there. The learned manifold of Kingma and Welling (2013, figure 4), explored one point at a time.
    /// </summary>
    /// <remarks>
    /// Plotly's own controls cannot do this (hover labels hold only text, and two sliders for z1 and z2 cannot each
    /// know the other's value), so the chart carries a short script (in its
    /// description, which <c>GenericChart.toChartHTML</c> and hence Plotly.NET.Interactive render after the chart) that
    /// listens for the plot's <c>plotly_hover</c> and <c>plotly_click</c> events and restyles the image trace. It uses
    /// the page's <c>Plotly</c> when there is one (the HTML book) and otherwise asks require.js for the 'plotly' module
    /// of the context Plotly.NET's own chart script configured ('fsharp-plotly'), so it loads nothing by itself.
    /// Size: the 21 x 21 grid of 28 x 28 images and 2,000 codes of notebook 06 made 429 kB of HTML in its quick run.
    /// </remarks>
    public static GenericChart Plane(Vae vae, Tensor images, Tensor labels, IReadOnlyList<string>? classNames = null, int size = 21,
        string title = "The latent plane: point at it to see what the decoder draws there", int side = 28)
    {
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (vae.LatentSize != 2)
            throw new ArgumentException($"The explorer shows a 2-D latent plane; this VAE has LatentSize {vae.LatentSize}. Use a VAE trained with latentSize: 2.", nameof(vae));
        if (size < 2) throw new ArgumentOutOfRangeException(nameof(size), size, "size (grid points per axis) must be at least 2.");
        Check.Positive(side, nameof(side));
        if (images.dim() != 2 || images.shape[1] != (long)side * side || images.shape[0] < 1)
            throw new ArgumentException($"images must be [n, {side * side}] with n >= 1 for {side}x{side} images; got [{string.Join(", ", images.shape)}].", nameof(images));

        using var _ = no_grad();
        using var scope = NewDisposeScope();
        // Rounded to 3 decimals for the page: the chart's JSON stays short and the picture is the same.
        var codes = vae.Encode(images).Mu.cpu().to(float64).mul(1000).round().div(1000);
        var xy = codes.data<double>().ToArray();
        double[] z1 = GridAxis(xy, 0, size), z2 = GridAxis(xy, 1, size);
        var points = new float[size * size * 2];
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                points[2 * (r * size + c)] = (float)z1[c];
                points[2 * (r * size + c) + 1] = (float)z2[r];
            }
        var decoded = vae.Decode(tensor(points).reshape(size * size, 2).to(vae.Device));
        var sources = ImageSources(decoded, side);
        int centre = size / 2 * size + size / 2;

        // Traces in drawing order: the hover targets, the codes by class, the cross, the decoded image.
        var targets = new Trace2D("heatmap");
        targets.SetProperty("x", z1);
        targets.SetProperty("y", z2);
        targets.SetProperty("z", Enumerable.Range(0, size).Select(_ => new double[size]).ToArray());
        targets.SetProperty("colorscale", new object[] { new object[] { 0, "rgba(0,0,0,0)" }, new object[] { 1, "rgba(0,0,0,0)" } });
        targets.SetProperty("showscale", false);
        targets.SetProperty("name", "grid");
        targets.SetProperty("hovertemplate", "z1 = %{x:.2f}<br>z2 = %{y:.2f}<extra>decoded</extra>");
        var cross = new Trace2D("scatter");
        cross.SetProperty("x", new[] { z1[centre % size] });
        cross.SetProperty("y", new[] { z2[centre / size] });
        cross.SetProperty("mode", "markers");
        cross.SetProperty("marker", new { symbol = "x-thin", size = 16, color = "black", line = new { width = 3, color = "black" } });
        cross.SetProperty("name", MarkerName);
        cross.SetProperty("showlegend", false);
        cross.SetProperty("hoverinfo", "skip");
        var picture = new Trace2D("image");
        picture.SetProperty("source", sources[centre]);
        picture.SetProperty("xaxis", "x2");
        picture.SetProperty("yaxis", "y2");
        picture.SetProperty("name", "decoded image");
        picture.SetProperty("hoverinfo", "skip");

        var chart = CChart.Combine(new[]
        {
            GenericChart.ofTraceObject(true, targets),
            Charts.LatentScatter(codes, labels, classNames, title),
            GenericChart.ofTraceObject(true, cross),
            GenericChart.ofTraceObject(true, picture),
        });
        var layout = new Layout();
        layout.SetProperty("margin", new { l = 60, r = 20, t = 70, b = 60 });
        layout.SetProperty("hovermode", "closest");
        layout.SetProperty("xaxis", new { domain = new[] { 0.0, 0.58 }, title = new { text = "z1" } });
        layout.SetProperty("yaxis", new { title = new { text = "z2" } });
        layout.SetProperty("xaxis2", new { domain = new[] { 0.64, 1.0 }, visible = false, anchor = "y2" });
        layout.SetProperty("yaxis2", new { domain = new[] { 0.25, 1.0 }, visible = false, anchor = "x2" });
        layout.SetProperty("annotations", new[]
        {
            new { text = "decoded at the cross", xref = "paper", yref = "paper", x = 0.82, y = 1.0, xanchor = "center", yanchor = "bottom", showarrow = false },
        });
        chart = Plotly.NET.Chart.withLayout(layout).Invoke(chart).WithSize(1000, 560);
        var script = Microsoft.FSharp.Collections.ListModule.OfSeq(new[] { Giraffe.ViewEngine.HtmlElements.rawText(Script(z1, z2, sources)) });
        return Plotly.NET.Chart.withDescription(script, chart);
    }

    /// <summary>
    /// A slider over the straight line between the posterior means mu_a and mu_b of two images: step k shows the
    /// decoded mean of p(x|z) at z = (1 - t) mu_a + t mu_b for t = k / (<paramref name="steps"/> - 1). Each step
    /// restyles the chart's one image trace (a plain Plotly slider: no script). Works for any latent size.
    /// </summary>
    public static GenericChart Interpolation(Vae vae, Tensor from, Tensor to, int steps = 11, string title = "Interpolation in latent space: drag the slider", int side = 28)
    {
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 2 (the two ends).");
        Check.Positive(side, nameof(side));
        foreach (var (image, name) in new[] { (from, nameof(from)), (to, nameof(to)) })
            if (image.numel() != (long)side * side)
                throw new ArgumentException($"{name} must be one {side}x{side} image ({side * side} values, [{side * side}] or [1, {side * side}]); got [{string.Join(", ", image.shape)}].", name);

        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ends = cat(new[] { from.reshape(1, -1), to.reshape(1, -1) }).to(vae.Device);
        var mu = vae.Encode(ends).Mu;
        var t = linspace(0, 1, steps, device: vae.Device).unsqueeze(1);
        var sources = ImageSources(vae.Decode((1 - t) * mu[0] + t * mu[1]), side);

        var slider = new Slider();
        slider.SetProperty("active", 0);
        slider.SetProperty("currentvalue", new { prefix = "t = " });
        slider.SetProperty("pad", new { t = 10 });
        slider.SetProperty("steps", sources.Select((source, k) =>
        {
            var step = new SliderStep();
            step.SetProperty("method", "restyle");
            step.SetProperty("args", new object[] { new { source = new[] { source } } });
            step.SetProperty("label", ((double)k / (steps - 1)).ToString("0.0#", CultureInfo.InvariantCulture));
            return step;
        }).ToArray());
        var layout = new Layout();
        layout.SetProperty("margin", new { l = 40, r = 40, t = 60, b = 120 });
        var chart = Charts.Bare(Charts.Titled(CChart.Image<int>(Source: sources[0]), title));
        chart = Plotly.NET.Chart.withLayout(layout).Invoke(chart);
        return Plotly.NET.Chart.withSlider(slider, null).Invoke(chart).WithSize(640, 28 * 10 + 180);
    }

    /// <summary><paramref name="size"/> evenly spaced values from the smallest to the largest code on axis <paramref name="axis"/>.</summary>
    private static double[] GridAxis(double[] xy, int axis, int size)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int i = axis; i < xy.Length; i += 2)
        {
            lo = Math.Min(lo, xy[i]);
            hi = Math.Max(hi, xy[i]);
        }
        if (hi - lo < 1e-6) (lo, hi) = (lo - 1, hi + 1); // all codes alike: show the unit square around them
        return Enumerable.Range(0, size).Select(i => Math.Round(lo + (hi - lo) * i / (size - 1), 3)).ToArray();
    }

    /// <summary>One PNG data URI per image of a [n, side*side] batch.</summary>
    private static string[] ImageSources(Tensor images, int side)
    {
        var levels = Charts.GrayLevels(images, side, nameof(images));
        int pixels = side * side;
        return Enumerable.Range(0, (int)images.shape[0])
            .Select(i => PngImage.DataUri(PngImage.Grayscale(levels.AsSpan(i * pixels, pixels).ToArray(), side, side)))
            .ToArray();
    }

    /// <summary>The script that shows the decoded image of the grid point nearest to a hovered or clicked point.</summary>
    private static string Script(double[] z1, double[] z2, string[] sources)
    {
        var id = "vae-latent-explorer-" + Guid.NewGuid().ToString("N");
        string Json(object value) => JsonSerializer.Serialize(value);
        return $$"""
            <div id="{{id}}" style="font-size: 0.9em; color: #57606a">Point at the plane (or tap it): the cross moves to the nearest of {{z1.Length}} x {{z2.Length}} grid points and the image shows what the decoder draws there.</div>
            <script type="text/javascript">
            (function () {
              var note = document.getElementById('{{id}}');
              if (!note) return;
              var z1 = {{Json(z1)}}, z2 = {{Json(z2)}}, images = {{Json(sources)}};
              function nearest(values, v) {
                var best = 0;
                for (var i = 1; i < values.length; i++) if (Math.abs(values[i] - v) < Math.abs(values[best] - v)) best = i;
                return best;
              }
              function attach(gd, Plotly) {
                var picture = -1, cross = -1, shown = -1;
                gd.data.forEach(function (trace, i) { if (trace.type === 'image') picture = i; if (trace.name === '{{MarkerName}}') cross = i; });
                function show(point) {
                  if (!point) return;
                  var row = nearest(z2, point.y), column = nearest(z1, point.x), k = row * z1.length + column;
                  if (k === shown) return;
                  shown = k;
                  // One call, one redraw (undefined leaves an attribute of that trace as it is).
                  Plotly.restyle(gd, { source: [images[k], undefined], x: [undefined, [z1[column]]], y: [undefined, [z2[row]]] }, [picture, cross]);
                }
                gd.on('plotly_hover', function (e) { show(e.points[0]); });
                gd.on('plotly_click', function (e) { show(e.points[0]); });
                gd.setAttribute('data-latent-explorer', 'ready');
              }
              // Wait for the chart's own script to draw the plot (it may first have to load require.js), then take
              // Plotly from where that script found it.
              var tries = 0;
              (function wait() {
                var gd = note.parentElement && note.parentElement.querySelector('.js-plotly-plot');
                if (!gd || typeof gd.on !== 'function' || !gd._fullLayout) { if (++tries < 600) setTimeout(wait, 100); return; }
                if (window.Plotly && window.Plotly.restyle) attach(gd, window.Plotly);
                else if (window.requirejs && window.requirejs.config)
                  window.requirejs.config({ context: 'fsharp-plotly' })(['plotly'], function (Plotly) { attach(gd, Plotly); });
              })();
            })();
            </script>
            """;
    }
}
