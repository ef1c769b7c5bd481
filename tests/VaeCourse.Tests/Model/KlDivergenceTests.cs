using VaeCourse.Model;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class KlDivergenceTests
{
    public KlDivergenceTests() => Course.Setup(seed: 1);

    [Trait("Category", "Slow")]
    [Fact]
    public void ClosedFormKlMatchesMonteCarloEstimate()
    {
        var mu = tensor(new float[] { 0.5f, -1.2f, 0.1f, 2.0f, 0.0f, -0.3f }).reshape(2, 3);
        var logVar = tensor(new float[] { -0.7f, 0.4f, 0.0f, -1.5f, 1.0f, 0.2f }).reshape(2, 3);
        var closed = KlDivergence.Closed(mu, logVar).to(float64).data<double>().ToArray();
        var mc = KlDivergence.MonteCarlo(mu.to(float64), logVar.to(float64), 400_000).data<double>().ToArray();
        for (int i = 0; i < 2; i++)
            Assert.InRange(mc[i], closed[i] * 0.99, closed[i] * 1.01);
    }

    [Fact]
    public void KlIsZeroWhenPosteriorEqualsPrior()
    {
        var kl = KlDivergence.Closed(zeros(4, 7), zeros(4, 7));
        Assert.All(kl.data<float>().ToArray(), v => Assert.Equal(0f, v));
        var positive = KlDivergence.Closed(ones(1, 7) * 0.1f, zeros(1, 7)).item<float>();
        Assert.True(positive > 0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void KlDivergence_MonteCarlo(int samples) =>
        Rejects(() => KlDivergence.MonteCarlo(zeros(2, 3), zeros(2, 3), samples), "samples", "samples", AtLeast1);

    [Theory]
    [InlineData(new long[] { 2, 3 }, new long[] { 2, 4 })]
    [InlineData(new long[] { 2, 3 }, new long[] { 3 })]
    public void KlDivergence_and_Reparameterize_need_matching_mu_and_logVar(long[] mu, long[] logVar)
    {
        Rejects(() => KlDivergence.Closed(zeros(mu), zeros(logVar)), "logVar", "same shape");
        Rejects(() => KlDivergence.MonteCarlo(zeros(mu), zeros(logVar), 10), "logVar", "same shape");
        Rejects(() => Reparameterize.Sample(zeros(mu), zeros(logVar)), "logVar", "same shape");
        Rejects(() => Reparameterize.Sample(zeros(mu), zeros(logVar), 3), "logVar", "same shape");
    }
}
