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
        Assert.Contains("heatmap", json);
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
