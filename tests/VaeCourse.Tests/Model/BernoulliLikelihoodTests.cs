using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Model;

public class BernoulliLikelihoodTests
{
    public BernoulliLikelihoodTests() => Course.Setup(seed: 1);

    [Fact]
    public void BernoulliTermIsSumReducedBinaryCrossEntropyWithLogits()
    {
        var logits = randn(5, 12);
        var x = rand(5, 12);
        var ours = -new BernoulliLikelihood().LogProb(x, logits);
        var reference = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.None).sum(1);
        Assert.True(allclose(ours, reference, rtol: 1e-5, atol: 1e-5));
    }
}
