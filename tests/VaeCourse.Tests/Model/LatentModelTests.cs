using VaeCourse.Model;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class LatentModelTests
{
    public LatentModelTests() => Course.Setup(seed: 0);

    [Theory]
    [InlineData(784, 1024)] // 32x32 images into a 28x28 model
    [InlineData(784, 100)]
    [InlineData(20, 784)]
    public void Model_input_size_is_checked_by_every_model_entry_point(int modelInput, int dataFeatures)
    {
        var vae = Vae.Mlp(modelInput, new[] { 8 }, 2);
        var ae = Autoencoder.Mlp(modelInput, new[] { 8 }, 2);
        var x = rand(4, dataFeatures);
        string[] sizes = { $"{dataFeatures} values per example", $"input size is {modelInput}" };
        Rejects(() => vae.forward(x), "x", sizes);
        Rejects(() => vae.Encode(x), "x", sizes);
        Rejects(() => vae.Reconstruct(x), "x", sizes);
        Rejects(() => vae.call(x), "x", sizes);
        Rejects(() => ImportanceWeighted.LogLikelihood(vae, x, k: 5), "x", sizes);
        Rejects(() => ImportanceWeighted.Mean(vae, x, k: 5), "data", sizes);
        Rejects(() => ae.forward(x), "x", sizes);
        Rejects(() => ae.Encode(x), "x", sizes);
        if (modelInput == 784)
            Rejects(() => Vae.Conv(latentSize: 2, channels: 4).Encode(x), "x", sizes);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(20, 2)]
    public void Decoding_checks_the_latent_size(int latentSize, int given)
    {
        string[] sizes = { $"{given} values per example", $"latent size is {latentSize}" };
        Rejects(() => Vae.Mlp(16, new[] { 8 }, latentSize).Decode(randn(5, given)), "z", sizes);
        Rejects(() => Autoencoder.Mlp(16, new[] { 8 }, latentSize).Decode(randn(5, given)), "z", sizes);
    }
}
