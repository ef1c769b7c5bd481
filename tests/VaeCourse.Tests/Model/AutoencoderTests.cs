using VaeCourse.Model;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class AutoencoderTests
{
    public AutoencoderTests() => Course.Setup(seed: 2);

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

    [Theory]
    [InlineData(0, 2, 128, "inputSize")]
    [InlineData(20, 0, 128, "latentSize")]
    [InlineData(20, 2, 0, "hiddenUnits")]
    public void Autoencoder_Article(int inputSize, int latentSize, int hiddenUnits, string param) =>
        Rejects(() => Autoencoder.Article(inputSize, latentSize, hiddenUnits), param, param, AtLeast1);

    [Theory]
    [InlineData(0, 400, 2, "inputSize")]
    [InlineData(784, 0, 2, "hidden")]
    [InlineData(784, 400, 0, "latentSize")]
    [InlineData(784, 400, -1, "latentSize")]
    public void Autoencoder_Mlp(int inputSize, int hidden, int latentSize, string param) =>
        Rejects(() => Autoencoder.Mlp(inputSize, new[] { hidden }, latentSize), param, param, AtLeast1);

    [Theory]
    [InlineData("encoder")]
    [InlineData("decoder")]
    [InlineData("latentSize")]
    public void Autoencoder_constructor(string param) =>
        Rejects(() => new Autoencoder(param == "encoder" ? null! : nn.Linear(4, 2), param == "decoder" ? null! : nn.Linear(2, 4),
            param == "latentSize" ? 0 : 2), param, param);
}
