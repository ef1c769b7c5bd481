using VaeCourse.Data;
using VaeCourse.Evaluation;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class VaeTests
{
    public VaeTests() => Course.Setup(seed: 2);

    [Fact]
    public void MlpVaeHasThePytorchExamplesShapes()
    {
        var model = Vae.Mlp();
        var x = rand(8, 784);
        var (mu, logVar) = model.Encode(x);
        Assert.Equal(new long[] { 8, 20 }, mu.shape);
        Assert.Equal(new long[] { 8, 20 }, logVar.shape);
        Assert.Equal(new long[] { 8, 784 }, model.Decode(mu).shape);
        using var terms = model.forward(x);
        Assert.Equal(new long[] { 8 }, terms.Reconstruction.shape);
        Assert.Equal(new long[] { 8 }, terms.Kl.shape);
        Assert.Equal(new long[] { 5, 784 }, model.Sample(5).shape);
        // 784*400+400 + 2*(400*20+20) + 20*400+400 + 400*784+784
        Assert.Equal(652_824, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ConvVaeRoundTripsImageShapes()
    {
        var model = Vae.Conv(latentSize: 4, channels: 8);
        var x = rand(3, 784);
        Assert.Equal(new long[] { 3, 784 }, model.Reconstruct(x).shape);
        var z = randn(7, 3, 4);
        Assert.Equal(new long[] { 7, 3, 784 }, model.Decoder.forward(z).shape);
        Assert.Throws<ArgumentException>(() => model.Encode(rand(2, 100)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]   // does not divide the 7 draws: the last chunk is shorter
    [InlineData(100)] // more than the draws: one chunk
    public void LogLikelihoodOfDrawsIsTheLikelihoodOfEachDecodedDraw(int chunk)
    {
        var model = Vae.Mlp(inputSize: 12, hidden: new[] { 8 }, latentSize: 3);
        var x = rand(5, 12);
        var z = randn(7, 5, 3);
        var expected = model.Likelihood.LogProb(x, model.Decoder.forward(z)).detach();

        var actual = model.LogLikelihood(x, z, chunk);

        Assert.Equal(new long[] { 7, 5 }, actual.shape);
        Assert.False(actual.requires_grad);
        Assert.True(allclose(actual, expected, rtol: 1e-6, atol: 1e-5), $"largest difference {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void LogLikelihoodOfDrawsRejectsShapesThatDoNotMatch()
    {
        var model = Vae.Mlp(inputSize: 12, hidden: new[] { 8 }, latentSize: 3);
        var batch = Assert.Throws<ArgumentException>(() => model.LogLikelihood(rand(5, 12), randn(7, 4, 3)));
        Assert.Contains("batch = 5", batch.Message);
        Assert.Contains("[7, 4, 3]", batch.Message);
        Assert.Equal("z", Assert.Throws<ArgumentException>(() => model.LogLikelihood(rand(5, 12), randn(5, 3))).ParamName);
        Assert.Equal("z", Assert.Throws<ArgumentException>(() => model.LogLikelihood(rand(5, 12), randn(7, 5, 4))).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => model.LogLikelihood(rand(5, 11), randn(7, 5, 3))).ParamName);
        Assert.Equal("chunk", Assert.Throws<ArgumentOutOfRangeException>(() => model.LogLikelihood(rand(5, 12), randn(7, 5, 3), chunk: 0)).ParamName);
    }

    [Fact]
    public void DecoderMeansStayInTheirRange()
    {
        var bernoulli = Vae.Mlp(inputSize: 10, hidden: new[] { 6 }, latentSize: 2);
        var means = bernoulli.Sample(50);
        Assert.True(means.min().item<float>() >= 0 && means.max().item<float>() <= 1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void BadSizesAreRejectedWithTheirName(int bad)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Vae.Mlp(latentSize: bad));
        Assert.Equal("latentSize", e.ParamName);
        var h = Assert.Throws<ArgumentOutOfRangeException>(() => Vae.Mlp(hidden: new[] { 10, bad }));
        Assert.Contains("hidden[1]", h.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianLikelihood(bad));
    }

    [Theory]
    [InlineData(0, 400, 20, "inputSize")]
    [InlineData(-784, 400, 20, "inputSize")]
    [InlineData(784, 0, 20, "hidden")]
    [InlineData(784, -1, 20, "hidden")]
    [InlineData(784, 400, 0, "latentSize")]
    [InlineData(784, 400, -2, "latentSize")]
    public void Vae_Mlp(int inputSize, int hidden, int latentSize, string param) =>
        Rejects(() => Vae.Mlp(inputSize, new[] { hidden }, latentSize), param, param, AtLeast1);

    [Theory]
    [InlineData(0, 32, "latentSize")]
    [InlineData(-1, 32, "latentSize")]
    [InlineData(20, 0, "channels")]
    [InlineData(20, -8, "channels")]
    public void Vae_Conv(int latentSize, int channels, string param) =>
        Rejects(() => Vae.Conv(latentSize, channels), param, param, AtLeast1);

    [Theory]
    [InlineData("encoder")]
    [InlineData("decoder")]
    [InlineData("likelihood")]
    [InlineData("latentSize")]
    public void Vae_constructor(string param)
    {
        var encoder = new MlpEncoder(8, new[] { 4 }, 2);
        var decoder = new MlpDecoder(2, new[] { 4 }, 8);
        var likelihood = new BernoulliLikelihood();
        Rejects(() => new Vae(param == "encoder" ? null! : encoder, param == "decoder" ? null! : decoder,
            param == "likelihood" ? null! : likelihood, param == "latentSize" ? 0 : 2), param, param);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    public void Vae_Sample(int count) =>
        Rejects(() => Vae.Mlp(16, new[] { 8 }, 2).Sample(count), "count", "count", AtLeast1);

    [Fact]
    public void MultVaeNormalisesItsInputAndDropsOutOnlyWhileTraining()
    {
        manual_seed(0);
        var vae = Vae.Mult(items: 40, hidden: 16, latentSize: 4);
        Assert.Equal(40, vae.InputSize);
        Assert.IsType<MultinomialLikelihood>(vae.Likelihood);
        var x = (rand(8, 40) > 0.7).to(float32);
        vae.eval();
        var (mu, logVar) = vae.Encode(x);
        Assert.Equal(new long[] { 8, 4 }, mu.shape);
        Assert.Equal(new long[] { 8, 4 }, logVar.shape);
        Assert.True(vae.Encode(x).Mu.allclose(mu));                       // no dropout in evaluation mode
        Assert.True(vae.Encode(3 * x).Mu.allclose(mu, 1e-5, 1e-6));        // L2 normalisation: the scale of the history does not matter
        vae.train();
        Assert.False(vae.Encode(x).Mu.allclose(vae.Encode(x).Mu));        // dropout while training
        Assert.Equal(new long[] { 8, 40 }, vae.Decode(mu).shape);
        Assert.Equal(1.0, vae.Decode(mu).sum(dim: 1).mean().item<float>(), 4); // a distribution over items
    }

    [Fact]
    public void MultVaeRejectsBadSettingsNamingThem()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Vae.Mult(items: 10, dropout: 1.0));
        Assert.Equal("dropout", e.ParamName);
        Assert.Contains("[0, 1)", e.Message);
        Assert.Equal("items", Assert.Throws<ArgumentOutOfRangeException>(() => Vae.Mult(items: 0)).ParamName);
        Assert.Equal("latentSize", Assert.Throws<ArgumentOutOfRangeException>(() => Vae.Mult(items: 10, latentSize: 0)).ParamName);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void PopularityBeatsChanceAndAMultVaeBeatsPopularity()
    {
        var data = ImplicitFeedback.Generate(users: 900, items: 200, tastes: 4, minClicks: 8, maxClicks: 30, seed: 7);
        var train = data.Clicks[..700];
        var (foldIn, heldOut) = ImplicitFeedback.SplitClicks(data.Clicks[700..], 0.2, seed: 1);
        var popularity = train.sum(dim: 0).expand(200, 200);
        manual_seed(1);
        var random = rand(200, 200);
        double popularityRecall = Ranking.RecallAt(popularity, heldOut, 20, foldIn);
        double randomRecall = Ranking.RecallAt(random, heldOut, 20, foldIn);
        manual_seed(1);
        var vae = Vae.Mult(items: 200, hidden: 64, latentSize: 8);
        new Trainer(vae, new TrainerOptions { Epochs = 10, BatchSize = 50, Beta = 0.2, KlWarmupEpochs = 3, Seed = 1 }).Fit(train);
        double vaeRecall = Ranking.RecallAt(vae.Reconstruct(foldIn), heldOut, 20, foldIn);
        double oracleRecall = Ranking.RecallAt(data.Logits[700..], heldOut, 20, foldIn);
        Assert.True(popularityRecall > 1.5 * randomRecall, $"popularity {popularityRecall:F3} vs random {randomRecall:F3}");
        Assert.True(vaeRecall > 1.5 * popularityRecall, $"Mult-VAE {vaeRecall:F3} vs popularity {popularityRecall:F3}");
        Assert.True(oracleRecall > popularityRecall, $"oracle {oracleRecall:F3} vs popularity {popularityRecall:F3}");
    }
}
