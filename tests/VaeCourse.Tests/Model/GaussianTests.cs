using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Model;

public class GaussianTests
{
    [Fact]
    public void GaussianLogDensityStaysFiniteForTinyVariances()
    {
        var mu = tensor(new float[] { 0.5f, -1f });
        var logVar = tensor(new float[] { -200f, -150f });
        var z = mu.clone();
        var density = Gaussian.LogDensity(z, mu, logVar);
        Assert.True(isfinite(density).all().item<bool>(), $"log density {string.Join(", ", density.data<float>().ToArray())}");
        double expected = -0.5 * (-200 - 150 + 2 * Math.Log(2 * Math.PI));
        Assert.Equal(expected, density.item<float>(), 3);
    }
}
