using VaeCourse.Data;
using Xunit;

namespace VaeCourse.Tests.Data;

public sealed class SyntheticTests
{
    public static TheoryData<string> Sets => new() { "moons", "circles", "blobs" };

    private static (float[] Xy, int[] Labels) Make(string set, int count, uint seed) => set switch
    {
        "moons" => Synthetic.TwoMoons(count, seed: seed),
        "circles" => Synthetic.Circles(count, seed: seed),
        _ => Synthetic.GaussianBlobs(count, blobs: 4, seed: seed),
    };

    [Theory]
    [MemberData(nameof(Sets))]
    public void Point_sets_have_the_right_shape_and_are_deterministic(string set)
    {
        var a = Make(set, 301, 7);
        var b = Make(set, 301, 7);
        var c = Make(set, 301, 8);
        Assert.Equal(602, a.Xy.Length);
        Assert.Equal(301, a.Labels.Length);
        Assert.Equal(a.Xy, b.Xy);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Xy, c.Xy);
        Assert.All(a.Xy, v => Assert.True(float.IsFinite(v)));
        Assert.Empty(Make(set, 0, 0).Xy);
    }

    [Fact]
    public void Two_moons_lie_on_two_arcs()
    {
        var (xy, labels) = Synthetic.TwoMoons(400, noise: 0.0);
        Assert.Equal(200, labels.Count(l => l == 0));
        Assert.Equal(200, labels.Count(l => l == 1));
        for (int i = 0; i < 400; i++)
        {
            double x = xy[2 * i], y = xy[2 * i + 1];
            double r = labels[i] == 0 ? Math.Sqrt(x * x + y * y) : Math.Sqrt((x - 1) * (x - 1) + (y - 0.5) * (y - 0.5));
            Assert.Equal(1.0, r, 1e-6);
            Assert.True(labels[i] == 0 ? y >= -1e-6 : y <= 0.5 + 1e-6);
        }
    }

    [Fact]
    public void Circles_have_two_radii()
    {
        var (xy, labels) = Synthetic.Circles(200, factor: 0.3, noise: 0.0);
        for (int i = 0; i < 200; i++)
        {
            double r = Math.Sqrt(xy[2 * i] * xy[2 * i] + xy[2 * i + 1] * xy[2 * i + 1]);
            Assert.Equal(labels[i] == 0 ? 1.0 : 0.3, r, 1e-6);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Synthetic.Circles(10, factor: 1.5));
    }

    [Fact]
    public void Blobs_gather_around_centres_on_a_circle()
    {
        const int k = 6;
        var (xy, labels) = Synthetic.GaussianBlobs(6000, blobs: k, radius: 5, standardDeviation: 0.3, seed: 3);
        for (int c = 0; c < k; c++)
        {
            int[] idx = Enumerable.Range(0, 6000).Where(i => labels[i] == c).ToArray();
            Assert.Equal(1000, idx.Length);
            double mx = idx.Average(i => xy[2 * i]), my = idx.Average(i => xy[2 * i + 1]);
            Assert.Equal(5 * Math.Cos(2 * Math.PI * c / k), mx, 0.05);
            Assert.Equal(5 * Math.Sin(2 * Math.PI * c / k), my, 0.05);
            double sd = Math.Sqrt(idx.Average(i => (xy[2 * i] - mx) * (xy[2 * i] - mx)));
            Assert.InRange(sd, 0.27, 0.33);
        }
    }
}
