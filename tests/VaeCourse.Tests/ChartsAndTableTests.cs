using Plotly.NET;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests;

public class ChartsAndTableTests
{
    public ChartsAndTableTests() => Course.Setup(seed: 3);

    private static string Json(GenericChart chart) => GenericChart.toJson(chart);

    [Fact]
    public void OfflinePlotlyHtmlHoldsPlotlyJsOnceInOneScriptAndNoNetworkAddress()
    {
        string html = Charts.OfflinePlotlyHtml();
        Assert.StartsWith($"<script type=\"text/javascript\" {Charts.OfflinePlotlyMarker}=\"{Globals.PLOTLYJS_VERSION}\">", html);
        Assert.Equal(1, CountOf(html, "<script"));
        Assert.Equal(1, CountOf(html, "</script")); // the source cannot end the element early
        Assert.Equal(1, CountOf(html, "For license information please see plotly.min.js.LICENSE.txt"));
        Assert.Contains("d('plotly', [], function () { return window.Plotly; });", html); // require.js pages
        Assert.Contains("window.requirejs.config = function () { return window.requirejs; };", html); // pages without it
        Assert.DoesNotContain("cdn.plot.ly/plotly-", html); // (plotly.js names cdn.plot.ly only for geo maps' topojson, unused here)
        Assert.DoesNotContain("require.min.js", html);
    }

    private static int CountOf(string text, string part)
    {
        int n = 0;
        for (int i = text.IndexOf(part, StringComparison.OrdinalIgnoreCase); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.OrdinalIgnoreCase)) n++;
        return n;
    }

    [Fact]
    public void TrainingCurvesPlotBothTermsForTrainingAndHeldOut()
    {
        var model = Vae.Mlp(inputSize: 16, hidden: new[] { 8 }, latentSize: 2);
        var history = new Trainer(model, new TrainerOptions { Epochs = 2, BatchSize = 8 }).Fit(rand(32, 16), rand(8, 16));
        string json = Json(Charts.TrainingCurves(history));
        foreach (var name in new[] { "reconstruction, training", "reconstruction, held-out", "KL, training", "KL, held-out" })
            Assert.Contains(name, json);
    }

    [Fact]
    public void ImageGridTilesImagesAndRejectsWrongShapes()
    {
        string json = Json(Charts.ImageGrid(rand(5, 784), columns: 2, title: "five"));
        Assert.Contains("\"type\":\"image\"", json);
        Assert.Contains("data:image/png;base64,", json);
        Assert.Contains("five", json);
        Assert.Throws<ArgumentException>(() => Charts.ImageGrid(rand(5, 100)));
    }

    [Fact]
    public void LatentScatterHasOneTracePerClassAndManifoldDecodesAGrid()
    {
        string json = Json(Charts.LatentScatter(randn(30, 2), tensor(Enumerable.Range(0, 30).Select(i => (long)(i % 3)).ToArray()), new[] { "a", "b", "c" }));
        Assert.Contains("\"name\":\"a\"", json);
        Assert.Contains("\"name\":\"c\"", json);
        Assert.Throws<ArgumentException>(() => Charts.LatentScatter(randn(5, 3)));
        int decoded = 0;
        Charts.LatentManifold(z => { decoded = (int)z.shape[0]; return rand(z.shape[0], 784); }, size: 4);
        Assert.Equal(16, decoded);
    }

    [Fact]
    public void LatentScatterTakesAxisTitlesAndRocNamesEachCurveWithItsAuc()
    {
        string scatter = Json(Charts.LatentScatter(randn(10, 2), xTitle: "PC 1", yTitle: "PC 2"));
        Assert.Contains("\"PC 1\"", scatter);
        Assert.Contains("\"PC 2\"", scatter);
        var roc = Evaluation.Roc.Compute(new double[] { 0.1, 0.4, 0.35, 0.8 }, new[] { false, false, true, true });
        string json = Json(Charts.Roc("detectors", ("VAE", roc)));
        Assert.Contains("VAE (AUC 0.750)", json);
        Assert.Contains("chance (AUC 0.5)", json);
        Assert.Contains("false positive rate", json);
        Assert.Throws<ArgumentException>(() => Charts.Roc("none"));
    }

    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.975, 1.959964)]
    [InlineData(0.01, -2.326348)]
    public void NormalQuantileMatchesTables(double p, double expected) =>
        Assert.Equal(expected, Charts.NormalQuantile(p), 5);

    [Fact]
    public void MeasurementsRenderAnEncodedHtmlTable()
    {
        var table = new Measurements().Add("loss <nats>", "1.5").Add("a & b", "yes");
        string html = table.ToHtml();
        Assert.Contains("<td style=\"text-align:left\">loss &lt;nats&gt;</td>", html);
        Assert.Contains("a &amp; b", html);
        Assert.Equal(2, table.Rows.Count);
        Assert.Contains("loss <nats>", table.ToString());
        Assert.Throws<ArgumentException>(() => table.Add(" ", "x"));
    }
}

[Trait("Category", "Slow")]
public class LatentExplorerTests
{
    public LatentExplorerTests() => Course.Setup(seed: 5);

    private static readonly System.Text.RegularExpressions.Regex Images = new("images = (\\[[^\\]]*\\])");

    private static string[] GridImages(string html) =>
        System.Text.Json.JsonSerializer.Deserialize<string[]>(Images.Match(html).Groups[1].Value)!;

    private static string Png(Tensor image) =>
        PngImage.DataUri(PngImage.Grayscale(image.clamp(0, 1).mul(255).round().to(ScalarType.Byte).data<byte>().ToArray(), 28, 28));

    [Fact]
    public void PlaneHoldsOneDecodedImagePerGridPointAndEveryCodeByClass()
    {
        var vae = Vae.Mlp(inputSize: 784, hidden: new[] { 8 }, latentSize: 2);
        var images = rand(30, 784);
        var labels = tensor(Enumerable.Range(0, 30).Select(i => (long)(i % 3)).ToArray());
        var chart = LatentExplorer.Plane(vae, images, labels, new[] { "a", "b", "c" }, size: 5);
        string html = GenericChart.toChartHTML(chart);

        var grid = GridImages(html);
        Assert.Equal(25, grid.Length);
        Assert.Equal(25 + 1, System.Text.RegularExpressions.Regex.Matches(html, "data:image/png;base64,").Count); // the grid and the image shown first
        var traces = System.Text.Json.Nodes.JsonNode.Parse(Json(chart))!["data"]!.AsArray();
        var heatmap = traces.Single(t => (string?)t!["type"] == "heatmap")!;
        double[] z1 = heatmap["x"]!.AsArray().Select(v => (double)v!).ToArray(), z2 = heatmap["y"]!.AsArray().Select(v => (double)v!).ToArray();
        var classes = traces.Where(t => (string?)t!["name"] is "a" or "b" or "c").ToList();
        Assert.Equal(3, classes.Count);
        Assert.Equal(30, classes.Sum(t => t!["x"]!.AsArray().Count));

        // Every code is a rounded posterior mean, inside the grid; grid image k is the decoder's image at grid point k.
        using (no_grad())
        {
            var mu = vae.Encode(images).Mu;
            var xs = classes.SelectMany(t => t!["x"]!.AsArray().Select(v => (double)v!)).Order().ToArray();
            var expected = mu[.., 0].to(float64).data<double>().Select(v => Math.Round(v, 3)).Order().ToArray();
            Assert.All(expected.Zip(xs), p => Assert.Equal(p.First, p.Second, 3));
            Assert.Equal(xs[0], z1[0], 3);
            Assert.Equal(xs[^1], z1[^1], 3);
            foreach (int k in new[] { 0, 7, 24 })
                Assert.Equal(Png(vae.Decode(tensor(new[] { (float)z1[k % 5], (float)z2[k / 5] }).reshape(1, 2))[0]), grid[k]);
        }
        Assert.Contains("plotly_hover", html);
        Assert.Contains("plotly_click", html);
    }

    [Fact]
    public void PlaneOfTheNotebooksSizeStaysUnderItsStatedBound()
    {
        var vae = Vae.Mlp(inputSize: 784, hidden: new[] { 16 }, latentSize: 2);
        var labels = tensor(Enumerable.Range(0, 2000).Select(i => (long)(i % 10)).ToArray());
        string html = GenericChart.toChartHTML(LatentExplorer.Plane(vae, rand(2000, 784), labels, size: 21));
        Assert.Equal(441, GridImages(html).Length);
        // At most 1.2 kB per 28 x 28 grid image (an incompressible PNG in base64), 40 bytes per code and 20 kB besides.
        Assert.InRange(html.Length, 1, 441 * 1200 + 2000 * 40 + 20_000);
    }

    [Fact]
    public void PlaneRejectsAVaeWithoutTwoLatentUnitsAndBadImages()
    {
        var labels = tensor(new long[] { 0, 1 });
        var wide = Assert.Throws<ArgumentException>(() => LatentExplorer.Plane(Vae.Mlp(784, new[] { 8 }, 3), rand(2, 784), labels));
        Assert.Contains("LatentSize 3", wide.Message);
        var shape = Assert.Throws<ArgumentException>(() => LatentExplorer.Plane(Vae.Mlp(784, new[] { 8 }, 2), rand(2, 100), labels));
        Assert.Contains("[2, 100]", shape.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentExplorer.Plane(Vae.Mlp(784, new[] { 8 }, 2), rand(2, 784), labels, size: 1));
    }

    [Fact]
    public void InterpolationSliderStepsThroughTheDecodedLineBetweenTwoPosteriorMeans()
    {
        var vae = Vae.Mlp(inputSize: 784, hidden: new[] { 8 }, latentSize: 4);
        var (a, b) = (rand(784), rand(1, 784));
        var layout = System.Text.Json.Nodes.JsonNode.Parse(Json(LatentExplorer.Interpolation(vae, a, b, steps: 5)))!["layout"]!;
        var steps = layout["sliders"]![0]!["steps"]!.AsArray();
        Assert.Equal(new[] { "0.0", "0.25", "0.5", "0.75", "1.0" }, steps.Select(s => (string)s!["label"]!));
        Assert.All(steps, s => Assert.Equal("restyle", (string?)s!["method"]));
        var sources = steps.Select(s => (string)s!["args"]![0]!["source"]![0]!).ToArray();
        using (no_grad())
        {
            var mu = vae.Encode(cat(new[] { a.reshape(1, -1), b })).Mu;
            Assert.Equal(Png(vae.Decode(mu[0].unsqueeze(0))[0]), sources[0]);
            Assert.Equal(Png(vae.Decode((0.5f * mu[0] + 0.5f * mu[1]).unsqueeze(0))[0]), sources[2]);
            Assert.Equal(Png(vae.Decode(mu[1].unsqueeze(0))[0]), sources[4]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentExplorer.Interpolation(vae, a, b, steps: 1));
        Assert.Throws<ArgumentException>(() => LatentExplorer.Interpolation(vae, rand(2, 784), b));
    }

    private static string Json(GenericChart chart) => GenericChart.toJson(chart);
}

public class PngImageTests
{
    [Fact]
    public void EncodesAValidGrayscalePng()
    {
        var pixels = Enumerable.Range(0, 6 * 4).Select(i => (byte)(i * 10)).ToArray();
        byte[] png = PngImage.Grayscale(pixels, 6, 4);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(6, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(4, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        // The IHDR CRC covers type and data: recompute it independently of the encoder's table.
        uint crc = 0xFFFFFFFF;
        foreach (byte b in png.AsSpan(12, 17)) { crc ^= b; for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1; }
        Assert.Equal(crc ^ 0xFFFFFFFF, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(29)));
        // IDAT holds zlib data that inflates to one filter byte plus the pixels per row.
        int idatLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(33));
        Assert.Equal("IDAT", System.Text.Encoding.ASCII.GetString(png, 37, 4));
        using var inflate = new System.IO.Compression.ZLibStream(new MemoryStream(png, 41, idatLength), System.IO.Compression.CompressionMode.Decompress);
        var raw = new MemoryStream();
        inflate.CopyTo(raw);
        var rows = raw.ToArray();
        Assert.Equal(4 * 7, rows.Length);
        for (int y = 0; y < 4; y++)
        {
            Assert.Equal(0, rows[y * 7]);
            Assert.Equal(pixels.AsSpan(y * 6, 6).ToArray(), rows.AsSpan(y * 7 + 1, 6).ToArray());
        }
        Assert.EndsWith("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
        Assert.Throws<ArgumentException>(() => PngImage.Grayscale(new byte[5], 2, 2));
    }
}
