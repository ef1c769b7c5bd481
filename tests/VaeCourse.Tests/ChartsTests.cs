using Plotly.NET;
using VaeCourse.Evaluation;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests;

public class ChartsTests
{
    public ChartsTests() => Course.Setup(seed: 3);

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
        var roc = Roc.Compute(new double[] { 0.1, 0.4, 0.35, 0.8 }, new[] { false, false, true, true });
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

    [Theory]
    [InlineData(0, 28, 784, "columns")]
    [InlineData(8, 0, 784, "side")]
    [InlineData(8, 28, 1024, "images")]
    [InlineData(8, 32, 784, "images")]
    public void Charts_ImageGrid(int columns, int side, int features, string param) =>
        Rejects(() => Charts.ImageGrid(rand(4, features), columns, side: side), param, param);

    [Fact]
    public void Charts_ImageGrid_needs_at_least_one_image() =>
        Rejects(() => Charts.ImageGrid(zeros(0, 784)), "images", "at least one");

    [Theory]
    [InlineData(1, 28, "size")]
    [InlineData(0, 28, "size")]
    [InlineData(5, 0, "side")]
    public void Charts_LatentManifold(int size, int side, string param)
    {
        int decoded = 0;
        Rejects(() => Charts.LatentManifold(z => { decoded++; return rand(z.shape[0], 784); }, size, side: side), param, param);
        Assert.Equal(0, decoded);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void Charts_LatentScatter(int width) =>
        Rejects(() => Charts.LatentScatter(randn(5, width)), "codes", "[n, 2]");

    [Theory]
    [InlineData(3, 4)]
    [InlineData(3, 2)]
    public void Charts_Lines(int xs, int ys) =>
        Rejects(() => Charts.Lines("t", "x", "y", Enumerable.Range(0, xs).Select(i => (double)i), ("loss", Enumerable.Repeat(1.0, ys))),
            "series", "'loss'", $"{ys} values for {xs} x values");

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Charts_NormalQuantile(double p) =>
        Rejects(() => Charts.NormalQuantile(p), "p", "strictly between 0 and 1");

    [Fact]
    public void Charts_TrainingCurves_needs_a_finished_epoch() =>
        Rejects(() => Charts.TrainingCurves(new TrainingHistory()), "history", "no finished epoch");
}
