using VaeCourse.Evaluation;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

public class PerImageGaussiansTests
{
    public PerImageGaussiansTests() => Course.Setup(seed: 3);

    /// <summary>
    /// Measured exactly on a grid, each image's optimised Gaussian has a higher ELBO than the encoder's on average (the
    /// amortisation gap is positive), the same seed gives the same Gaussians, and the model is left as it was.
    /// </summary>
    [Fact]
    public void OptimisedGaussiansBeatTheEncoderAndLeaveTheModelAlone()
    {
        manual_seed(5);
        var model = Vae.Mlp(inputSize: 8, hidden: new[] { 6 }, latentSize: 2);
        var x = (rand(new long[] { 12, 8 }, generator: new Generator(6)) > 0.5).to(float32);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();

        manual_seed(8);
        var (mu, logVar) = PerImageGaussians.Optimise(model, x, steps: 150);
        manual_seed(8);
        var (muAgain, _) = PerImageGaussians.Optimise(model, x, steps: 150);

        Assert.Equal(new long[] { 12, 2 }, mu.shape);
        Assert.False(mu.requires_grad);
        Assert.True((mu == muAgain).all().item<bool>(), "the same seed gives the same Gaussians");
        Assert.All(model.parameters().Zip(before), pair =>
        {
            Assert.True(pair.First.requires_grad, "the model's parameters train again afterwards");
            Assert.True((pair.First == pair.Second).all().item<bool>(), "the model's parameters are unchanged");
        });

        Tensor encoderMu, encoderLogVar;
        using (no_grad()) (encoderMu, encoderLogVar) = model.Encode(x);
        double reach = LatentGrid.Reach((encoderMu, encoderLogVar), (mu, logVar));
        var grid = LatentGrid.Integrate(model, x, LatentGrid.Spacing(reach, encoderLogVar, logVar), reach, new[] { (encoderMu, encoderLogVar), (mu, logVar) });
        double amortisationGap = (grid.Elbo[1] - grid.Elbo[0]).mean().item<double>();
        Assert.True(amortisationGap > 0, $"mean ELBO(q*) - ELBO(encoder) = {amortisationGap:F4}");
        Assert.True((grid.LogPx - grid.Elbo[1]).min().item<double>() > -1e-3, "no Gaussian's ELBO exceeds log p(x)");
        Assert.Throws<ArgumentOutOfRangeException>(() => PerImageGaussians.Optimise(model, x, steps: 0));
    }
}
