using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Model;

public class MultinomialLikelihoodTests
{
    public MultinomialLikelihoodTests() => Course.Setup(seed: 3);

    [Fact]
    public void MultinomialLogProbIsCountsTimesLogSoftmax()
    {
        var likelihood = new MultinomialLikelihood();
        var logits = randn(4, 6, dtype: float64);
        var counts = tensor(new double[,] { { 1, 0, 2, 0, 0, 1 }, { 0, 0, 0, 0, 0, 3 }, { 1, 1, 1, 1, 1, 1 }, { 0, 0, 0, 0, 0, 0 } });
        var expected = (counts * logits.log_softmax(1)).sum(1);
        Assert.True(likelihood.LogProb(counts, logits).allclose(expected));
        Assert.Equal(0.0, likelihood.LogProb(counts, logits)[3].item<double>());
        Assert.True(likelihood.Mean(logits).sum(1).allclose(ones(4, dtype: float64)));
        // Adding a constant to every logit does not change the distribution.
        Assert.True(likelihood.LogProb(counts, logits + 5).allclose(expected));
        Assert.Throws<ArgumentException>(() => likelihood.LogProb(counts, randn(4, 5, dtype: float64)));
    }
}
