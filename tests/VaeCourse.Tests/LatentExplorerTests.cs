using Plotly.NET;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests;

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
