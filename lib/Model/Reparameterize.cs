using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>
/// The reparameterisation trick (Kingma and Welling 2013, section 2.4; Rezende et al. 2014):
/// a draw z ~ N(mu, diag sigma^2) is written z = mu + sigma * eps with eps ~ N(0, I), so that z is a
/// differentiable function of the encoder's outputs and gradients flow through the sampling step.
/// </summary>
public static class Reparameterize
{
    /// <summary>Draws z = mu + exp(logVar / 2) * eps, eps ~ N(0, I), with the shape of <paramref name="mu"/>.</summary>
    public static Tensor Sample(Tensor mu, Tensor logVar)
    {
        Check.SameShape(mu, nameof(mu), logVar, nameof(logVar));
        return mu + (0.5 * logVar).exp() * randn_like(mu);
    }

    /// <summary>Draws <paramref name="k"/> samples per example: shape [k, batch, latent].</summary>
    public static Tensor Sample(Tensor mu, Tensor logVar, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k (samples per example) must be at least 1.");
        Check.SameShape(mu, nameof(mu), logVar, nameof(logVar));
        var eps = randn(new long[] { k }.Concat(mu.shape).ToArray(), dtype: mu.dtype, device: mu.device);
        return mu.unsqueeze(0) + (0.5 * logVar).exp().unsqueeze(0) * eps;
    }
}
