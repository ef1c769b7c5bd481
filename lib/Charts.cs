using Plotly.NET;
using Plotly.NET.CSharp;
using TorchSharp;
using VaeCourse.Training;
using static TorchSharp.torch;
using CChart = Plotly.NET.CSharp.Chart;

namespace VaeCourse;

/// <summary>
/// The charts several notebooks share, on Plotly.NET.CSharp. Each returns a <see cref="GenericChart"/>
/// that a notebook displays as the value of its cell (Plotly.NET.Interactive renders it).
/// </summary>
public static class Charts
{
    /// <summary>
    /// The reconstruction and KL terms per epoch, training and held-out, side by side: the two parts of
    /// the negative ELBO (Kingma and Welling 2013, eq. 3), in nats per example.
    /// </summary>
    public static GenericChart TrainingCurves(TrainingHistory history, string title = "Training: the two terms of the loss")
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Epochs.Count == 0) throw new ArgumentException("The history has no finished epoch to plot.", nameof(history));
        var epochs = history.Epochs.Select(e => e.Epoch).ToArray();
        bool held = history.Epochs.All(e => e.TestReconstruction.HasValue);
        GenericChart Panel(string name, Func<EpochRecord, double> train, Func<EpochRecord, double?> test, string colour)
        {
            var lines = new List<GenericChart>
            {
                CChart.Line<int, double, string>(epochs, history.Epochs.Select(train), ShowMarkers: true, Name: $"{name}, training", LineColor: Color.fromString(colour))
            };
            if (held)
                lines.Add(CChart.Line<int, double, string>(epochs, history.Epochs.Select(e => test(e)!.Value), ShowMarkers: true, Name: $"{name}, held-out",
                    LineColor: Color.fromString(colour), LineDash: StyleParam.DrawingStyle.Dash));
            return CChart.Combine(lines);
        }
        var chart = CChart.Grid(new[]
        {
            Panel("reconstruction", e => e.TrainReconstruction, e => e.TestReconstruction, "#1f77b4"),
            Panel("KL", e => e.TrainKl, e => e.TestKl, "#d62728"),
        }, 1, 2, SubPlotTitles: new[] { "reconstruction  -E_q[log p(x|z)]  (nats)", "KL(q(z|x) || p(z))  (nats)" });
        return Titled(chart, title).WithSize(900, 380);
    }

    /// <summary>A line chart of several named series over a shared x axis (for sweeps and convergence plots).</summary>
    public static GenericChart Lines(string title, string xTitle, string yTitle, IEnumerable<double> x, params (string Name, IEnumerable<double> Y)[] series)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(series);
        var xs = x.ToArray();
        if (series.Length == 0) throw new ArgumentException("Give at least one series to plot.", nameof(series));
        foreach (var (name, y) in series)
            if ((y ?? throw new ArgumentNullException(nameof(series), $"series '{name}' has no values.")).Count() != xs.Length)
                throw new ArgumentException($"series '{name}' has {y.Count()} values for {xs.Length} x values; each series needs one value per x.", nameof(series));
        var chart = CChart.Combine(series.Select(s => CChart.Line<double, double, string>(xs, s.Y, ShowMarkers: true, Name: s.Name)));
        return Titled(chart, title)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithSize(720, 400);
    }

    /// <summary>
    /// Shows images ([n, side*side] values in [0, 1]) as one grayscale grid with <paramref name="columns"/>
    /// per row, light on dark as the data sets store them (0 is black).
    /// </summary>
    public static GenericChart ImageGrid(Tensor images, int columns = 8, string title = "", int side = 28)
    {
        Check.Positive(columns, nameof(columns));
        var values = GrayLevels(images, side, nameof(images));
        int n = (int)images.shape[0];
        int rows = (n + columns - 1) / columns;
        const int gap = 1;
        int height = rows * (side + gap) - gap, width = columns * (side + gap) - gap;
        // Upscale by whole pixels so browsers show crisp squares rather than a smoothed blur.
        int scale = Math.Max(2, Math.Min(8, 560 / Math.Max(width, height)));
        var pixels = new byte[width * scale * height * scale];
        Array.Fill(pixels, (byte)96); // grey gaps between images
        for (int i = 0; i < n; i++)
        {
            int top = i / columns * (side + gap), left = i % columns * (side + gap);
            for (int y = 0; y < side * scale; y++)
            {
                int row = (top * scale + y) * width * scale + left * scale;
                for (int x = 0; x < side * scale; x++)
                    pixels[row + x] = values[(long)i * side * side + y / scale * side + x / scale];
            }
        }
        string source = PngImage.DataUri(PngImage.Grayscale(pixels, width * scale, height * scale));
        var chart = CChart.Image<int>(Source: source);
        // Plotly keeps about 80 px of margin on each side and 100 above the plot: size the figure so the image shows 1:1.
        return Bare(Titled(chart, title)).WithSize(width * scale + 160, height * scale + 180);
    }

    /// <summary>
    /// The grey levels (0 to 255, row by row) of images given as [n, side*side] values in [0, 1], values outside
    /// clamped; rejects other shapes and an empty batch with a message naming <paramref name="name"/>.
    /// </summary>
    internal static byte[] GrayLevels(Tensor images, int side, string name)
    {
        ArgumentNullException.ThrowIfNull(images, name);
        Check.Positive(side, nameof(side));
        if (images.dim() != 2 || images.shape[1] != (long)side * side)
            throw new ArgumentException($"{name} must be [n, {side * side}] for {side}x{side} images; got [{string.Join(", ", images.shape)}].", name);
        if (images.shape[0] < 1) throw new ArgumentException($"{name} holds no image (shape [0, ...]); give at least one.", name);
        return images.detach().cpu().to(float32).clamp(0, 1).mul(255).round().to(ScalarType.Byte).data<byte>().ToArray();
    }

    /// <summary>
    /// A scatter of 2-D codes ([n, 2]) coloured by label, one trace per class so the legend names them.
    /// The axes are titled z1 and z2 unless <paramref name="xTitle"/> and <paramref name="yTitle"/> say otherwise
    /// (for example for principal components of longer codes).
    /// </summary>
    public static GenericChart LatentScatter(Tensor codes, Tensor? labels = null, IReadOnlyList<string>? classNames = null, string title = "Latent space",
        string xTitle = "z1", string yTitle = "z2")
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() != 2 || codes.shape[1] != 2)
            throw new ArgumentException($"codes must be [n, 2]; got [{string.Join(", ", codes.shape)}]. Use a 2-unit latent space, or project the codes first.", nameof(codes));
        var xy = codes.detach().cpu().to(float64).data<double>().ToArray();
        int n = (int)codes.shape[0];
        var ys = labels is null ? new long[n] : labels.cpu().to(int64).data<long>().ToArray();
        if (ys.Length != n) throw new ArgumentException($"labels has {ys.Length} entries for {n} codes.", nameof(labels));
        var traces = ys.Select((label, i) => (label, i)).GroupBy(p => p.label).OrderBy(g => g.Key).Select(g =>
        {
            string name = labels is null ? "codes" : classNames is not null && g.Key < classNames.Count ? classNames[(int)g.Key] : g.Key.ToString();
            return CChart.Point<double, double, string>(g.Select(p => xy[2 * p.i]), g.Select(p => xy[2 * p.i + 1]), Name: name, Opacity: 0.6);
        });
        return Titled(CChart.Combine(traces), title)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithSize(640, 540);
    }

    /// <summary>
    /// ROC curves (<see cref="Evaluation.Roc"/>, Fawcett 2006), one per detector, each named with its AUC, over the
    /// chance diagonal: true positive rate against false positive rate.
    /// </summary>
    public static GenericChart Roc(string title, params (string Name, Evaluation.Roc Curve)[] curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Length == 0) throw new ArgumentException("Give at least one ROC curve to plot.", nameof(curves));
        var lines = curves.Select(c => CChart.Line<double, double, string>(
                (c.Curve ?? throw new ArgumentNullException(nameof(curves), $"curve '{c.Name}' is null.")).FalsePositiveRate,
                c.Curve.TruePositiveRate, Name: $"{c.Name} (AUC {c.Curve.Auc:F3})"))
            .Append(CChart.Line<double, double, string>(new[] { 0.0, 1.0 }, new[] { 0.0, 1.0 }, Name: "chance (AUC 0.5)",
                LineDash: StyleParam.DrawingStyle.Dash, LineColor: Color.fromString("gray")));
        return Titled(CChart.Combine(lines), title)
            .WithXAxisStyle<double, double, string>(TitleText: "false positive rate")
            .WithYAxisStyle<double, double, string>(TitleText: "true positive rate")
            .WithSize(620, 520);
    }

    /// <summary>
    /// The learned 2-D manifold (Kingma and Welling 2013, figure 4): decodes a <paramref name="size"/> x
    /// <paramref name="size"/> grid of latent points placed at evenly spaced quantiles of N(0, 1), so the
    /// grid covers the prior's mass evenly, and shows the decoded images in place.
    /// </summary>
    public static GenericChart LatentManifold(Func<Tensor, Tensor> decode, int size = 15, string title = "Decoded latent grid", int side = 28)
    {
        ArgumentNullException.ThrowIfNull(decode);
        if (size < 2) throw new ArgumentOutOfRangeException(nameof(size), size, "size must be at least 2.");
        Check.Positive(side, nameof(side));
        var q = Enumerable.Range(0, size).Select(i => NormalQuantile((i + 0.5) / size)).ToArray();
        var points = new float[size * size * 2];
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                points[2 * (r * size + c)] = (float)q[c];
                points[2 * (r * size + c) + 1] = (float)q[size - 1 - r]; // top row = largest z2
            }
        using var _ = no_grad();
        using var z = tensor(points).reshape(size * size, 2);
        using var images = decode(z);
        return ImageGrid(images, size, title, side);
    }

    /// <summary>The inverse of the standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    public static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie strictly between 0 and 1.");
        double[] a = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
        double[] b = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01 };
        double[] c = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
        double[] d = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00 };
        const double low = 0.02425;
        if (p < low)
        {
            double s = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * s + c[1]) * s + c[2]) * s + c[3]) * s + c[4]) * s + c[5]) / ((((d[0] * s + d[1]) * s + d[2]) * s + d[3]) * s + 1);
        }
        if (p > 1 - low) return -NormalQuantile(1 - p);
        double u = p - 0.5, t = u * u;
        return (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * u / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1);
    }

    /// <summary>Sets the chart's title (Plotly.NET's F# withTitle, wrapped for C#).</summary>
    public static GenericChart Titled(GenericChart chart, string title) =>
        string.IsNullOrEmpty(title) ? chart : Plotly.NET.Chart.withTitle(title, null).Invoke(chart);

    /// <summary>Hides the axes of an image chart: no ticks, labels, grid or zero line.</summary>
    internal static GenericChart Bare(GenericChart chart)
    {
        Plotly.NET.LayoutObjects.LinearAxis Axis()
        {
            var axis = new Plotly.NET.LayoutObjects.LinearAxis();
            axis.SetProperty("visible", false);
            return axis;
        }
        chart = Plotly.NET.Chart.withXAxis(Axis(), null).Invoke(chart);
        return Plotly.NET.Chart.withYAxis(Axis(), null).Invoke(chart);
    }

    /// <summary>The attribute that marks the script element of <see cref="OfflinePlotlyHtml"/> (the HTML book, which ships its own plotly.js, leaves that output out).</summary>
    public const string OfflinePlotlyMarker = "data-vae-offline-plotly";

    /// <summary>
    /// An HTML fragment to display once per notebook, before its first chart, so that every chart draws with no
    /// network: it runs the plotly.js that Plotly.NET embeds (version <see cref="Globals.PLOTLYJS_VERSION"/>, the one
    /// Plotly.NET.Interactive's formatter asks for), unless the page already has a Plotly, and answers the formatter's
    /// require.js calls with it instead of the CDN they name. With a real require.js in the page (Jupyter's classic
    /// notebook) it defines the module <c>plotly</c> in the formatter's require context; without one (VS Code,
    /// JupyterLab, Notebook 7) it installs a minimal <c>requirejs</c> that hands over the loaded Plotly, so the
    /// formatter does not fetch require.js either. Why: docs/platform-notes.md.
    /// </summary>
    public static string OfflinePlotlyHtml()
    {
        string resource = $"Plotly.NET.plotly-{Globals.PLOTLYJS_VERSION}.min.js";
        using var stream = typeof(GenericChart).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Plotly.NET {typeof(GenericChart).Assembly.GetName().Version} holds no resource '{resource}'; " +
                                                   "expected the plotly.js it embeds for its Full reference option.");
        using var reader = new StreamReader(stream);
        // The source goes inside a <script>: a literal "</script" in it would end the element early.
        string source = reader.ReadToEnd().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
        return $$"""
            <script type="text/javascript" {{OfflinePlotlyMarker}}="{{Globals.PLOTLYJS_VERSION}}">
            (function () {
              if (!window.Plotly) {
                // Parameters shadow any AMD define or CommonJS module of the page, so plotly.js sets window.Plotly.
                (function (define, module, exports) {
            {{source}}
                })();
              }
              var r = window.requirejs, d = window.define;
              if (typeof r === 'function' && typeof r.config === 'function' && typeof d === 'function' && d.amd) {
                // A named define waits in require.js's global queue; the formatter's context takes it in now,
                // synchronously, so its later require(['plotly']) finds the module and never reads the CDN path.
                d('plotly', [], function () { return window.Plotly; });
                r.config({ context: 'fsharp-plotly' })([], function () { });
              } else {
                window.requirejs = function (deps, callback) { if (callback) callback(window.Plotly); };
                window.requirejs.config = function () { return window.requirejs; };
              }
            })();
            </script>
            """;
    }
}
