using TorchSharp;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests;

public class ElboTests
{
    public ElboTests() => Course.Setup(seed: 1);

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

    [Fact]
    public void BernoulliTermIsSumReducedBinaryCrossEntropyWithLogits()
    {
        var logits = randn(5, 12);
        var x = rand(5, 12);
        var ours = -new BernoulliLikelihood().LogProb(x, logits);
        var reference = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.None).sum(1);
        Assert.True(allclose(ours, reference, rtol: 1e-5, atol: 1e-5));
    }

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

    [Trait("Category", "Slow")]
    [Fact]
    public void ImportanceWeightedBoundWithOneSampleIsTheElbo()
    {
        manual_seed(3);
        var model = Vae.Mlp(inputSize: 16, hidden: new[] { 8 }, latentSize: 3);
        model.eval();
        var x = rand(6, 16);
        manual_seed(11);
        var iw = ImportanceWeighted.LogLikelihood(model, x, k: 1);
        manual_seed(11);
        LossTerms terms;
        using (no_grad()) terms = model.forward(x);
        // The closed-form KL differs from the single-sample log q - log p that L_1 uses; compare averages over many draws.
        var many = x.repeat(4000, 1);
        manual_seed(5);
        double l1 = ImportanceWeighted.LogLikelihood(model, many, k: 1).mean().item<float>();
        double elbo;
        using (no_grad()) elbo = -model.forward(many).NegativeElbo().mean().item<float>();
        Assert.InRange(l1, elbo - 0.05 * Math.Abs(elbo), elbo + 0.05 * Math.Abs(elbo));
        Assert.Equal(new long[] { 6 }, iw.shape);
        Assert.Equal(new long[] { 6 }, terms.Kl.shape);
    }

    [Fact]
    public void ImportanceWeightedBoundRisesWithK()
    {
        manual_seed(4);
        var model = Vae.Mlp(inputSize: 16, hidden: new[] { 8 }, latentSize: 3);
        model.eval();
        var x = rand(64, 16);
        double Mean(int k) => ImportanceWeighted.LogLikelihood(model, x, k, chunk: 64).mean().item<float>();
        double k1 = Mean(1), k10 = Mean(10), k100 = Mean(100);
        Assert.True(k10 >= k1, $"L_10 {k10} < L_1 {k1}");
        Assert.True(k100 >= k10, $"L_100 {k100} < L_10 {k10}");
    }

    [Fact]
    public void ReparameterisedSamplesHaveTheEncodedMoments()
    {
        var mu = full(new long[] { 1, 2 }, 1.5f);
        var logVar = tensor(new float[] { 0f, (float)Math.Log(4) }).reshape(1, 2);
        var z = Reparameterize.Sample(mu, logVar, 200_000);
        var mean = z.mean(new long[] { 0 }).data<float>().ToArray();
        var std = z.std(0).data<float>().ToArray();
        Assert.InRange(mean[0], 1.48, 1.52);
        Assert.InRange(std[0], 0.98, 1.02);
        Assert.InRange(std[1], 1.97, 2.03);
    }

    /// <summary>
    /// With one latent unit, log p(x) = log of the integral of p(z) p(x|z) dz is computed on a fine grid; the
    /// importance-weighted bound with many samples must reach it, and the ELBO must lie below it.
    /// </summary>
    [Trait("Category", "Slow")]
    [Fact]
    public void ImportanceWeightedBoundReachesLogPxComputedByIntegration()
    {
        manual_seed(8);
        var model = Vae.Mlp(inputSize: 6, hidden: new[] { 5 }, latentSize: 1);
        model.to(float64);
        model.eval();
        var x = (rand(new long[] { 4, 6 }, dtype: float64) > 0.5).to(float64);
        double[] exact;
        using (no_grad())
        {
            var z = linspace(-12, 12, 48_001, dtype: float64).unsqueeze(1);             // [points, 1]
            double dz = 24.0 / 48_000;
            var logPxz = model.Likelihood.LogProb(x.unsqueeze(1), model.Decoder.forward(z).unsqueeze(0).expand(x.shape[0], -1, -1)); // [images, points]
            var logJoint = logPxz + Gaussian.StandardLogDensity(z).unsqueeze(0);
            exact = (logJoint.logsumexp(1) + Math.Log(dz)).data<double>().ToArray();
        }
        manual_seed(2);
        var iw = ImportanceWeighted.LogLikelihood(model, x, k: 20_000, chunk: 5_000).data<double>().ToArray();
        manual_seed(2);
        var elbo = ImportanceWeighted.LogLikelihood(model, x.repeat(2_000, 1), k: 1).reshape(2_000, 4).mean(new long[] { 0 }).data<double>().ToArray();
        for (int i = 0; i < exact.Length; i++)
        {
            Assert.True(Math.Abs(iw[i] - exact[i]) < 0.01, $"image {i}: L_20000 {iw[i]:F4} vs log p(x) {exact[i]:F4}");
            Assert.True(elbo[i] < exact[i], $"image {i}: ELBO {elbo[i]:F4} not below log p(x) {exact[i]:F4}");
        }
    }
}
