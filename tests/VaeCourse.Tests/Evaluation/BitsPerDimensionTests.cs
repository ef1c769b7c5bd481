using VaeCourse.Evaluation;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

public class BitsPerDimensionTests
{
    [Fact]
    public void ACoinFlipPerPixelIsOneBitPerDimension()
    {
        Course.Setup(seed: 0);
        // A Bernoulli decoder with logits 0 gives every binary image of 784 pixels probability 2^-784.
        var images = (rand(5, 784) > 0.5).to(float32);
        var nats = -new BernoulliLikelihood().LogProb(images, zeros(5, 784)).to(float64);
        foreach (double n in nats.data<double>().ToArray())
            Assert.Equal(1.0, BitsPerDimension.FromNats(n, 784), 1e-6);  // log-probabilities summed in float32
        Assert.Equal(86.8 / (784 * Math.Log(2)), BitsPerDimension.FromNats(86.8, 784), 15);
        Assert.Equal(0.0, BitsPerDimension.FromNats(0, 10));
    }

    [Fact]
    public void BadInputIsRefusedWithTheSettingsName()
    {
        Assert.Contains("dimensions", Assert.Throws<ArgumentOutOfRangeException>(() => BitsPerDimension.FromNats(1, 0)).Message);
        Assert.Contains("natsPerExample", Assert.Throws<ArgumentOutOfRangeException>(() => BitsPerDimension.FromNats(double.NaN, 784)).Message);
    }
}
