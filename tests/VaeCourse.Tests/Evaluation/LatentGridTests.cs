using VaeCourse.Evaluation;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

public class LatentGridTests
{
    public LatentGridTests() => Course.Setup(seed: 3);

    private static (Vae Model, Tensor X) SmallModel()
    {
        manual_seed(11);
        var model = Vae.Mlp(inputSize: 6, hidden: new[] { 5 }, latentSize: 2);
        model.eval();
        var x = (rand(new long[] { 5, 6 }, generator: new Generator(4)) > 0.5).to(float32);
        return (model, x);
    }

    /// <summary>
    /// On a model small enough to integrate, log p(x) on the grid agrees with the importance-weighted bound at a large k,
    /// the encoder's ELBO on the grid agrees with a many-draw Monte Carlo ELBO and lies below log p(x), and q's mass is 1.
    /// </summary>
    [Trait("Category", "Slow")]
    [Fact]
    public void IntegrateAgreesWithTheBoundAndTheMonteCarloElbo()
    {
        var (model, x) = SmallModel();
        Tensor mu, logVar;
        using (no_grad()) (mu, logVar) = model.Encode(x);
        double reach = LatentGrid.Reach((mu, logVar));
        double spacing = LatentGrid.Spacing(reach, logVar);
        var grid = LatentGrid.Integrate(model, x, spacing, reach, new[] { (mu, logVar) });
        Assert.Equal(float64, grid.LogPx.dtype);
        Assert.Equal(new long[] { 5 }, grid.LogPx.shape);

        manual_seed(2);
        var bound = ImportanceWeighted.LogLikelihood(model, x, k: 20_000, chunk: 5_000).to(float64);
        manual_seed(2);
        Tensor monteCarloElbo;
        using (no_grad())
            monteCarloElbo = stack(Enumerable.Range(0, 4_000).Select(_ => -model.forward(x).NegativeElbo()).ToList()).to(float64).mean(new long[] { 0 });
        for (int i = 0; i < 5; i++)
        {
            double logPx = grid.LogPx[i].item<double>(), elbo = grid.Elbo[0][i].item<double>();
            Assert.True(Math.Abs(bound[i].item<double>() - logPx) < 0.01, $"image {i}: L_20000 {bound[i].item<double>():F4} vs log p(x) {logPx:F4}");
            Assert.True(Math.Abs(monteCarloElbo[i].item<double>() - elbo) < 0.02, $"image {i}: Monte Carlo ELBO {monteCarloElbo[i].item<double>():F4} vs grid {elbo:F4}");
            Assert.True(elbo < logPx, $"image {i}: ELBO {elbo:F4} not below log p(x) {logPx:F4}");
            Assert.Equal(1.0, grid.QMass[0][i].item<double>(), 3);
        }
    }

    [Fact]
    public void TheFrameAndTheSmallerGridMakeTheWiderGrid()
    {
        var (model, x) = SmallModel();
        double spacing = 0.05;
        var narrow = LatentGrid.Integrate(model, x, spacing, 6, Array.Empty<(Tensor, Tensor)>());
        var frame = LatentGrid.Integrate(model, x, spacing, 7, Array.Empty<(Tensor, Tensor)>(), outside: 6);
        var wide = LatentGrid.Integrate(model, x, spacing, 7, Array.Empty<(Tensor, Tensor)>());
        Assert.Empty(wide.Elbo);
        Assert.True(allclose(wide.LogPx, logaddexp(narrow.LogPx, frame.LogPx), rtol: 0, atol: 1e-4), "log p over the wide grid = log(p over the narrow grid + p over the frame)");
        Assert.Equal(240L * 240, LatentGrid.Points(spacing, 6).shape[0]);
        Assert.Equal(280L * 280 - 240 * 240, LatentGrid.Points(spacing, 7, outside: 6).shape[0]);
        var shifted = LatentGrid.Points(spacing, 6, shift: spacing / 2);
        Assert.Equal(-6 + spacing, shifted.min().item<float>(), 4);
    }

    [Fact]
    public void ReachAndSpacingFollowTheirRules()
    {
        var mu = tensor(new float[] { 0.5f, -9.2f, 1, 1 }).view(2, 2);
        var wide = zeros(2, 2);
        Assert.Equal(6.0, LatentGrid.Reach((zeros(2, 2), wide - 10)));          // codes near 0: the prior's reach
        Assert.Equal(Math.Ceiling(9.2 + 6) + 2, LatentGrid.Reach((mu, wide)));  // 2 beyond 6 σ of the farthest code
        double reach = 8, narrow = 0.012;
        double spacing = LatentGrid.Spacing(reach, full(new long[] { 2, 2 }, (float)Math.Log(narrow * narrow)));
        Assert.True(spacing <= narrow + 1e-9, $"spacing {spacing} wider than the narrowest σ {narrow}");
        Assert.Equal(2 * reach / spacing, Math.Round(2 * reach / spacing), 6);
        Assert.Equal(16.0 / Math.Ceiling(16 / 0.03), LatentGrid.Spacing(reach, wide));
    }

    [Fact]
    public void RefusesWhatItCannotIntegrate()
    {
        var (model, x) = SmallModel();
        var three = Vae.Mlp(inputSize: 6, hidden: new[] { 5 }, latentSize: 3);
        Assert.Contains("two latent units", Assert.Throws<ArgumentException>(() => LatentGrid.Integrate(three, x, 0.1, 6, Array.Empty<(Tensor, Tensor)>())).Message);
        var gaussian = Vae.Mlp(inputSize: 6, hidden: new[] { 5 }, latentSize: 2, likelihood: new GaussianLikelihood());
        Assert.Contains("Bernoulli", Assert.Throws<ArgumentException>(() => LatentGrid.Integrate(gaussian, x, 0.1, 6, Array.Empty<(Tensor, Tensor)>())).Message);
        Assert.Contains("whole cells", Assert.Throws<ArgumentException>(() => LatentGrid.Integrate(model, x, 0.07, 6, Array.Empty<(Tensor, Tensor)>())).Message);
        Assert.Contains("[5, 2]", Assert.Throws<ArgumentException>(() => LatentGrid.Integrate(model, x, 0.1, 6, new[] { (zeros(4, 2), zeros(4, 2)) })).Message);
        Assert.Throws<ArgumentException>(() => LatentGrid.Integrate(model, rand(5, 7), 0.1, 6, Array.Empty<(Tensor, Tensor)>()));
    }

    [Fact]
    public void RowsHoldTheWholeIntegral()
    {
        var integral = new GridIntegral(tensor(new[] { 1.0, 2 }), new[] { tensor(new[] { 3.0, 4 }), tensor(new[] { 5.0, 6 }) },
            new[] { tensor(new[] { 7.0, 8 }), tensor(new[] { 9.0, 10 }) });
        var rows = integral.ToRows();
        Assert.Equal(new long[] { 5, 2 }, rows.shape);
        var back = GridIntegral.FromRows(rows);
        Assert.Equal(2, back.Elbo.Length);
        Assert.Equal(6.0, back.Elbo[1][1].item<double>());
        Assert.Equal(9.0, back.QMass[1][0].item<double>());
        Assert.Contains("[1 + 2q, images]", Assert.Throws<ArgumentException>(() => GridIntegral.FromRows(zeros(4, 2))).Message);
    }
}
