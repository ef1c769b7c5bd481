using TorchSharp;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests;

public class ModelTests
{
    public ModelTests() => Course.Setup(seed: 2);

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

    [Fact]
    public void ArticleAutoencoderHasNoKlTerm()
    {
        var ae = Autoencoder.Article();
        using var terms = ae.forward(rand(32, 20));
        Assert.Equal(0f, terms.Kl.abs().sum().item<float>());
        Assert.True(terms.Reconstruction.mean().item<float>() > 0);
        Assert.Equal(new long[] { 32, 2 }, ae.Encode(rand(32, 20)).shape);
    }

    [Fact]
    public void AutoencoderWithBernoulliLikelihoodIsTrainedOnTheSummedCrossEntropy()
    {
        var ae = Autoencoder.Mlp(inputSize: 784, hidden: new[] { 50 }, latentSize: 2, likelihood: new BernoulliLikelihood());
        var x = rand(6, 784);
        using var terms = ae.forward(x);
        using var logits = ae.Decoder.forward(ae.Encode(x));
        // The VAE's reconstruction term for a Bernoulli decoder: the binary cross-entropy summed over the 784 pixels.
        var expected = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.None).sum(1);
        Assert.Equal(new long[] { 6 }, terms.Reconstruction.shape);
        Assert.True(allclose(terms.Reconstruction, expected, rtol: 1e-5, atol: 1e-3), "reconstruction is not the summed BCE");
        Assert.Equal(0f, terms.Kl.abs().sum().item<float>());
        // Decode gives the Bernoulli mean, sigmoid(logits), not the logits.
        var z = ae.Encode(x);
        Assert.True(allclose(ae.Decode(z), logits.sigmoid(), rtol: 1e-5, atol: 1e-6), "Decode is not the likelihood's mean");
    }

    [Fact]
    public void MlpAutoencoderDefaultsToMeanSquaredError()
    {
        var ae = Autoencoder.Mlp(inputSize: 784, hidden: new[] { 50 }, latentSize: 2, outputActivation: nn.Sigmoid());
        var x = rand(6, 784);
        using var terms = ae.forward(x);
        var expected = (ae.Decode(ae.Encode(x)) - x).square().mean(new long[] { 1 });
        Assert.Null(ae.Likelihood);
        Assert.True(allclose(terms.Reconstruction, expected, rtol: 1e-5, atol: 1e-7), "reconstruction is not the mean squared error");
    }

    [Fact]
    public void EncodeAndDecodeMeanTheSameForBothModelsAndKeepGradients()
    {
        var vae = Vae.Mlp(inputSize: 16, hidden: new[] { 8 }, latentSize: 2);
        var ae = Autoencoder.Mlp(inputSize: 16, hidden: new[] { 8 }, latentSize: 2, likelihood: new BernoulliLikelihood());
        var x = rand(4, 16);
        var z = randn(4, 2);
        // Encode is the encoder's output, Decode the mean of p(x|z); both differentiable, unless the caller turns gradients off.
        Assert.True(vae.Encode(x).Mu.requires_grad);
        Assert.True(ae.Encode(x).requires_grad);
        Assert.True(vae.Decode(z).requires_grad);
        Assert.True(ae.Decode(z).requires_grad);
        Assert.True(allclose(ae.Decode(z), ae.Decoder.forward(z).sigmoid()));
        using (no_grad())
        {
            Assert.False(vae.Encode(x).Mu.requires_grad);
            Assert.False(ae.Encode(x).requires_grad);
            Assert.False(vae.Decode(z).requires_grad);
            Assert.False(ae.Decode(z).requires_grad);
        }
    }

    [Fact]
    public void ArticleAutoencoderKeepsTheArticlesTwo128UnitLayers()
    {
        var ae = Autoencoder.Article();
        var shapes = ae.parameters().Select(p => string.Join("x", p.shape)).ToArray();
        // 20 -> 128 (relu) -> 2 (relu) -> 128 (relu) -> 20: weights [out x in] and biases.
        Assert.Equal(new[] { "128x20", "128", "2x128", "2", "128x2", "128", "20x128", "20" }, shapes);
    }

    [Fact]
    public void ArticleAutoencoderHasAReluCodeAndALinearOutput()
    {
        manual_seed(0);
        var ae = Autoencoder.Article();
        Assert.True(ae.Encode(randn(200, 20) * 10).min().item<float>() >= 0);      // the code layer is a ReLU
        var far = ae.Decode(full(200, 2, 1000f));                                  // no sigmoid: outputs leave [0, 1]
        Assert.True(far.abs().max().item<float>() > 1);
    }
}
