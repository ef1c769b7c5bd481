using VaeCourse.Model;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class GaussianLikelihoodTests
{
    public GaussianLikelihoodTests() => Course.Setup(seed: 1);

    [Fact]
    public void GaussianTermIsScaledSquaredErrorPlusConstant()
    {
        var mean = randn(3, 4);
        var x = randn(3, 4);
        double sigma = 0.5;
        var ours = new GaussianLikelihood(sigma).LogProb(x, mean).to(float64);
        var sse = (x - mean).square().sum(1).to(float64);
        var expected = -sse / (2 * sigma * sigma) - 4 * Math.Log(sigma * Math.Sqrt(2 * Math.PI));
        Assert.True(allclose(ours, expected, rtol: 1e-5, atol: 1e-5));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void GaussianLikelihood_constructor(double sigma) =>
        Rejects(() => new GaussianLikelihood(sigma), "sigma", "sigma", "positive finite");
}
