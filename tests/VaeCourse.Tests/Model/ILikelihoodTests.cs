using VaeCourse.Model;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

/// <summary>What every <see cref="ILikelihood"/> does alike.</summary>
public class ILikelihoodTests
{
    public ILikelihoodTests() => Course.Setup(seed: 0);

    [Theory]
    [InlineData("bernoulli", 10, 12)]
    [InlineData("gaussian", 10, 12)]
    [InlineData("gaussian", 784, 1024)]
    public void Likelihood_LogProb(string kind, int features, int produced)
    {
        ILikelihood likelihood = kind == "bernoulli" ? new BernoulliLikelihood() : new GaussianLikelihood();
        Rejects(() => likelihood.LogProb(rand(3, features), randn(3, produced)), "x", $"{features} features", $"has {produced}");
    }
}
