using TorchSharp;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Model;

/// <summary>
/// The continuous Bernoulli (Loaiza-Ganem and Cunningham 2019): a density on [0, 1] that integrates to 1, its mean,
/// its log normalising constant on both sides of the Taylor cut-offs, sampling, and gradients at λ = 1/2.
/// </summary>
public class ContinuousBernoulliLikelihoodTests
{
    public ContinuousBernoulliLikelihoodTests() => Course.Setup(seed: 0);

    private static readonly ContinuousBernoulliLikelihood Likelihood = new();

    /// <summary>λ across (0, 1): near 0 and 1, at and just off 1/2, on both sides of both cut-offs.</summary>
    public static readonly TheoryData<double> Lambdas = new() { 1e-4, 0.01, 0.2, 0.45, 0.5 - 1e-6, 0.5, 0.5 + 1e-6, 0.52, 0.8, 0.9999 };

    private static double Logit(double lambda) => Math.Log(lambda / (1 - lambda));

    /// <summary>
    /// The definition, in float64, through λ: log(2 artanh(1 - 2λ) / (1 - 2λ)), log 2 at λ = 1/2. Beyond |l| = 5, where
    /// 1 - 2λ rounds too close to ±1 for artanh, its equal log(l / tanh(l/2)) (artanh(1 - 2λ) = -l/2), exact in float64 there.
    /// </summary>
    private static double ReferenceLogNormalizer(double logit)
    {
        if (Math.Abs(logit) > 5) return Math.Log(logit / Math.Tanh(logit / 2));
        double lambda = 1 / (1 + Math.Exp(-logit)), t = 1 - 2 * lambda;
        return t == 0 ? Math.Log(2) : Math.Log(2 * Math.Atanh(t) / t);
    }

    /// <summary>
    /// d log C / dl = λ - E[x] (log C = softplus(l) - A(l), A' = E[x]), in float64: the closed form of E[x] for |l| ≥ 0.01
    /// (its cancellation costs at most about 1e-14 there), below it the series, whose first omitted term is under 1e-20.
    /// </summary>
    private static double ReferenceGradient(double l)
    {
        double mean = Math.Abs(l) >= 0.01
            ? 0.5 + 0.5 / Math.Tanh(l / 2) - 1 / l
            : 0.5 + l / 12 - Math.Pow(l, 3) / 720 + Math.Pow(l, 5) / 30240;
        return 1 / (1 + Math.Exp(-l)) - mean;
    }

    /// <summary>Simpson's rule over [0, 1] for the values at 0, 1/n, ..., 1 (n even).</summary>
    private static double Simpson(double[] f)
    {
        int n = f.Length - 1;
        double sum = f[0] + f[n];
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * f[i];
        return sum / (3.0 * n);
    }

    private static (double[] X, double[] Density) DensityOnGrid(double lambda, int intervals = 4000)
    {
        var x = linspace(0, 1, intervals + 1, dtype: float32).reshape(-1, 1);
        var logits = full(new long[] { intervals + 1, 1 }, (float)Logit(lambda));
        var density = Likelihood.LogProb(x, logits).to(float64).exp().data<double>().ToArray();
        return (x.to(float64).data<double>().ToArray(), density);
    }

    [Theory]
    [MemberData(nameof(Lambdas))]
    public void TheDensityIntegratesToOneOverTheUnitInterval(double lambda)
    {
        var (_, density) = DensityOnGrid(lambda);
        Assert.InRange(Simpson(density), 1 - 1e-5, 1 + 1e-5);
    }

    [Fact]
    public void TheBernoulliExpressionOnGreyLevelsDoesNotIntegrateToOne()
    {
        // The same expression without log C: its integral is 1 / C(λ), below 1 (1/2 at λ = 1/2).
        var x = linspace(0, 1, 4001, dtype: float32).reshape(-1, 1);
        var logits = zeros(4001, 1);
        var density = new BernoulliLikelihood().LogProb(x, logits).to(float64).exp().data<double>().ToArray();
        Assert.InRange(Simpson(density), 0.5 - 1e-6, 0.5 + 1e-6);
    }

    [Theory]
    [MemberData(nameof(Lambdas))]
    public void TheMeanIsTheIntegralOfXTimesTheDensity(double lambda)
    {
        var (x, density) = DensityOnGrid(lambda);
        double integral = Simpson(x.Zip(density, (a, p) => a * p).ToArray());
        double mean = Likelihood.Mean(tensor(new[] { (float)Logit(lambda) })).item<float>();
        Assert.InRange(mean, integral - 1e-5, integral + 1e-5);
        if (Math.Abs(lambda - 0.5) > 0.01) Assert.True(Math.Abs(mean - lambda) > 0.005, $"the mean {mean} should differ from λ = {lambda}");
    }

    /// <summary>float32 logits from -30 to 30, dense around 0 and both cut-offs, with tiny values and the cut-offs themselves.</summary>
    private static float[] LogitGrid()
    {
        var values = new List<float> { 0f, 1e-30f, 1e-12f, 1e-7f };
        for (int i = -3000; i <= 3000; i++) values.Add(i / 100f);
        foreach (double c in new[] { ContinuousBernoulliLikelihood.LogNormalizerCutoff, ContinuousBernoulliLikelihood.MeanCutoff })
            for (int i = -50; i <= 50; i++)
                values.Add((float)(c + i * 1e-6));
        for (double e = -8; e <= 0; e += 0.05) values.Add((float)Math.Pow(10, e));
        return values.SelectMany(v => new[] { v, -v }).ToArray();
    }

    [Fact]
    public void TheLogNormalizerIsAccurateInValueAndGradientOnBothSidesOfItsCutoff()
    {
        var grid = LogitGrid();
        var logits = tensor(grid).requires_grad_(true);
        var logC = ContinuousBernoulliLikelihood.LogNormalizer(logits);
        logC.sum().backward();
        var values = logC.detach().data<float>().ToArray();
        var gradients = logits.grad!.data<float>().ToArray();
        double worstValue = 0, worstGradient = 0;
        for (int i = 0; i < grid.Length; i++)
        {
            double valueError = Math.Abs(values[i] - ReferenceLogNormalizer(grid[i]));
            double g = ReferenceGradient(grid[i]);
            double gradientError = Math.Abs(gradients[i] - g) / (Math.Abs(g) + 1e-6);
            worstValue = Math.Max(worstValue, valueError);
            worstGradient = Math.Max(worstGradient, gradientError);
            Assert.True(valueError < 2e-7, $"log C at l = {grid[i]:R}: {values[i]:R}, reference {ReferenceLogNormalizer(grid[i]):R}");
            Assert.True(gradientError < 2e-5, $"d log C / dl at l = {grid[i]:R}: {gradients[i]:R}, reference {g:R}");
        }
        // Smooth across the cut-off: the two branches meet to within float32 rounding.
        float c = (float)ContinuousBernoulliLikelihood.LogNormalizerCutoff;
        var sides = ContinuousBernoulliLikelihood.LogNormalizer(tensor(new[] { MathF.BitDecrement(c), c })).data<float>().ToArray();
        Assert.True(Math.Abs(sides[1] - sides[0]) < 2e-7, $"log C jumps by {sides[1] - sides[0]} at the cut-off");
    }

    [Fact]
    public void TheMeanIsAccurateOnBothSidesOfItsCutoffAndTendsToZeroAndOne()
    {
        var grid = LogitGrid();
        var means = Likelihood.Mean(tensor(grid)).data<float>().ToArray();
        for (int i = 0; i < grid.Length; i++)
        {
            double l = grid[i];
            double lambda = 1 / (1 + Math.Exp(-l));
            double reference = l == 0 ? 0.5 : lambda / (2 * lambda - 1) + 1 / (2 * Math.Atanh(1 - 2 * lambda));
            if (Math.Abs(l) < 1e-4) reference = 0.5 + l / 12;                                // the definition's cancellation in float64 exceeds 1e-8 below here
            if (Math.Abs(l) > 5) reference = 0.5 + 0.5 / Math.Tanh(l / 2) - 1 / l;           // and artanh near ±1 beyond here (see ReferenceLogNormalizer)
            Assert.True(Math.Abs(means[i] - reference) < 1.5e-7, $"mean at l = {l:R}: {means[i]:R}, reference {reference:R}");
        }
        var ends = Likelihood.Mean(tensor(new[] { -1e4f, 1e4f })).data<float>().ToArray();
        Assert.Equal(1e-4, ends[0], 1e-9);
        Assert.Equal(1 - 1e-4, ends[1], 1e-6);
    }

    [Theory]
    [MemberData(nameof(Lambdas))]
    public void SamplesLieInTheUnitIntervalWithTheMeanAndTheDistributionOfTheDensity(double lambda)
    {
        const int n = 200_000;
        float l = (float)Logit(lambda);
        using var generator = new Generator(5);
        var samples = Likelihood.Sample(full(new long[] { n }, l), generator).to(float64);
        var values = samples.data<double>().ToArray();
        Assert.All(values, v => Assert.InRange(v, 0.0, 1.0));
        double mean = values.Average(), sd = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Sum() / (n - 1));
        double expected = Likelihood.Mean(tensor(new[] { l })).item<float>();
        Assert.True(Math.Abs(mean - expected) < 4 * sd / Math.Sqrt(n), $"sample mean {mean}, mean {expected}, sd {sd}");
        // The empirical CDF against F(x) = (e^(lx) - 1) / (e^l - 1) (x at λ = 1/2): Kolmogorov-Smirnov at 1% is 1.63 / sqrt(n).
        Array.Sort(values);
        double worst = 0;
        for (int i = 0; i < n; i += 97)
        {
            double x = values[i];
            double cdf = Math.Abs(l) < 1e-9 ? x : double.ExpM1(l * x) / double.ExpM1(l);
            worst = Math.Max(worst, Math.Max(Math.Abs(cdf - (double)i / n), Math.Abs(cdf - (double)(i + 1) / n)));
        }
        Assert.True(worst < 1.63 / Math.Sqrt(n), $"Kolmogorov-Smirnov distance {worst}");
    }

    [Fact]
    public void GradientsAreFiniteAtOneHalfAndAtTheExtremes()
    {
        var x = tensor(new[] { 0f, 0.3f, 1f, 0.5f, 0.7f, 0.2f, 0.9f, 0.1f }).reshape(2, 4);
        var logits = tensor(new[] { 0f, 0f, 0f, 0f, 30f, -30f, (float)ContinuousBernoulliLikelihood.LogNormalizerCutoff, 1e-20f }).reshape(2, 4)
            .requires_grad_(true);
        Likelihood.LogProb(x, logits).sum().backward();
        var grad = logits.grad!.data<float>().ToArray();
        Assert.All(grad, g => Assert.True(float.IsFinite(g)));
        // At l = 0, d/dl [x l - softplus(l) + log C(l)] = x - 1/2 + 0.
        for (int i = 0; i < 4; i++) Assert.Equal(x.data<float>()[i] - 0.5f, grad[i], 1e-6f);
    }

    [Fact]
    public void LogProbIsTheBernoulliTermPlusTheLogNormalizerPerExample()
    {
        var logits = randn(3, 4, 6) * 3;
        var x = rand(4, 6);
        var ours = Likelihood.LogProb(x, logits);
        Assert.Equal(new long[] { 3, 4 }, ours.shape);
        var expected = new BernoulliLikelihood().LogProb(x, logits) + ContinuousBernoulliLikelihood.LogNormalizer(logits).sum(-1);
        Assert.True(allclose(ours, expected));
        Assert.Throws<ArgumentException>(() => Likelihood.LogProb(rand(4, 5), logits));
    }

    [Fact]
    public void AVaeWithIt_DecodesTheMeanAndTrainsToAFiniteElbo()
    {
        manual_seed(2);
        var model = Vae.Mlp(inputSize: 16, hidden: new[] { 8 }, latentSize: 2, likelihood: Likelihood);
        Assert.Equal("continuous Bernoulli", model.Likelihood.Name);
        var z = randn(5, 2);
        using (no_grad())
        {
            var expected = Likelihood.Mean(model.Decoder.forward(z));
            Assert.True(allclose(model.Decode(z), expected, rtol: 0, atol: 0));
            Assert.False(allclose(model.Decode(z), model.Decoder.forward(z).sigmoid(), rtol: 1e-3, atol: 1e-3), "the mean is not sigmoid(l)");
        }
        var x = rand(32, 16);
        var history = new Trainer(model, new TrainerOptions { Epochs = 2, BatchSize = 8 }).Fit(x, x);
        Assert.True(double.IsFinite(history.Last.TestNegativeElbo!.Value));
    }
}
