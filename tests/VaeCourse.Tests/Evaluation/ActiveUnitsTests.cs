using VaeCourse.Evaluation;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

public class ActiveUnitsTests
{
    public ActiveUnitsTests() => Course.Setup(seed: 3);

    [Fact]
    public void ActiveUnitsFindsAUnitWhosePosteriorMeanIgnoresTheData()
    {
        var model = Vae.Mlp(inputSize: 10, hidden: new[] { 16 }, latentSize: 3);
        using (no_grad())
        {
            // Silence unit 1: zero weights into its mu, so mu_1(x) is the bias for every x.
            var weight = model.Encoder.named_parameters().Single(p => p.name == "mu.weight").parameter;
            weight[1].zero_();
        }
        var data = rand(500, 10);
        var activity = ActiveUnits.Activity(model, data, batchSize: 64);
        Assert.Equal(3, activity.Length);
        Assert.Equal(0.0, activity[1], 10);
        var (mu, _) = model.Encode(data);
        Assert.Equal(mu[.., 0].to(float64).var().item<double>(), activity[0], 6);
        Assert.Equal(activity.Count(a => a > 1e-6), ActiveUnits.Count(model, data, threshold: 1e-6));
        Assert.Throws<ArgumentException>(() => ActiveUnits.Activity(model, rand(1, 10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActiveUnits.Count(model, data, threshold: -1));
    }
}
