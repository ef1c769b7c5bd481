using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>KL(q(z|x) || p(z)) for a diagonal Gaussian q = N(mu, diag sigma^2) and the prior p = N(0, I).</summary>
public static class KlDivergence
{
    /// <summary>
    /// Closed form, per example: 0.5 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)
    /// (Kingma and Welling 2013, appendix B). Shape [batch].
    /// </summary>
    public static Tensor Closed(Tensor mu, Tensor logVar)
    {
        Check.SameShape(mu, nameof(mu), logVar, nameof(logVar));
        return 0.5 * (mu.square() + logVar.exp() - 1 - logVar).sum(-1);
    }

    /// <summary>
    /// Monte Carlo estimate with <paramref name="samples"/> draws z ~ q: the mean of log q(z|x) - log p(z).
    /// Unbiased; its error shrinks as 1/sqrt(samples). Shape [batch].
    /// </summary>
    public static Tensor MonteCarlo(Tensor mu, Tensor logVar, int samples)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be at least 1.");
        Check.SameShape(mu, nameof(mu), logVar, nameof(logVar));
        using var scope = NewDisposeScope();
        var z = Reparameterize.Sample(mu, logVar, samples);
        var estimate = (Gaussian.LogDensity(z, mu, logVar) - Gaussian.StandardLogDensity(z)).mean(new long[] { 0 });
        return estimate.MoveToOuterDisposeScope();
    }
}
