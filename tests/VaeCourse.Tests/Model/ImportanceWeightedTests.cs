using TorchSharp;
using VaeCourse.Model;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class ImportanceWeightedTests
{
    public ImportanceWeightedTests() => Course.Setup(seed: 1);

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

    [Fact]
    public void ImportanceWeightedBoundEvaluatesWithoutDropout()
    {
        manual_seed(7);
        var model = Vae.Mult(items: 30, hidden: 16, latentSize: 4, dropout: 0.5);
        var clicks = (rand(new long[] { 5, 30 }, generator: new Generator(3)) > 0.7).to(float32);
        model.train();
        manual_seed(1);
        var inTraining = ImportanceWeighted.LogLikelihood(model, clicks, k: 4);
        Assert.True(model.training, "the caller's mode is restored");
        model.eval();
        manual_seed(1);
        var inEval = ImportanceWeighted.LogLikelihood(model, clicks, k: 4);
        Assert.True(allclose(inTraining, inEval, rtol: 1e-6, atol: 1e-6), "the bound must not depend on dropout");
    }

    [Fact]
    public void PerExampleIsTheBoundOfEveryBatchInOrderAndMeanIsItsMean()
    {
        manual_seed(6);
        var model = Vae.Mlp(inputSize: 16, hidden: new[] { 8 }, latentSize: 3);
        var x = rand(23, 16);                                      // 23 = 10 + 10 + 3: the last batch is short
        manual_seed(9);
        var batchByBatch = cat(new[] { x[..10], x[10..20], x[20..] }.Select(b => ImportanceWeighted.LogLikelihood(model, b, k: 7, chunk: 3)).ToList()).to(float64);
        manual_seed(9);
        var perExample = ImportanceWeighted.PerExample(model, x, k: 7, batchSize: 10, chunk: 3);
        Assert.Equal(new long[] { 23 }, perExample.shape);
        Assert.Equal(float64, perExample.dtype);
        Assert.True((batchByBatch == perExample).all().item<bool>(), "the same draws, batch by batch, in order");
        manual_seed(9);
        Assert.Equal(perExample.mean().item<double>(), ImportanceWeighted.Mean(model, x, k: 7, batchSize: 10, chunk: 3), 12);
    }

    [Theory]
    [InlineData(1000, 100, 25)]     // about 2,500 decoder rows a chunk
    [InlineData(10, 100, 250)]      // a chunk holds only k = 10 samples
    [InlineData(5000, 5000, 1)]     // never below one example
    public void The_default_batch_keeps_about_2500_decoder_rows_a_chunk(int k, int chunk, int expected) =>
        Assert.Equal(expected, ImportanceWeighted.DefaultBatchSize(k, chunk));

    [Theory]
    [InlineData(0, 100, 250, "k")]
    [InlineData(-1, 100, 250, "k")]
    [InlineData(10, 0, 250, "chunk")]
    [InlineData(10, 100, 0, "batchSize")]
    public void ImportanceWeighted_Mean(int k, int chunk, int batchSize, string param)
    {
        var model = Vae.Mlp(16, new[] { 8 }, 2);
        Rejects(() => ImportanceWeighted.Mean(model, rand(10, 16), k, batchSize, chunk), param, param, AtLeast1);
        Assert.True(model.training, "a rejected call must not leave the model in evaluation mode");
    }

    [Theory]
    [InlineData(0, 100, "k")]
    [InlineData(-5, 100, "k")]
    [InlineData(10, 0, "chunk")]
    public void ImportanceWeighted_LogLikelihood(int k, int chunk, string param) =>
        Rejects(() => ImportanceWeighted.LogLikelihood(Vae.Mlp(16, new[] { 8 }, 2), rand(3, 16), k, chunk), param, param, AtLeast1);
}
