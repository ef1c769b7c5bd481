using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>
/// The evidence lower bound, log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || p(z))
/// (Kingma and Welling 2013, eq. 3): the one place the library computes it, for the <see cref="Vae"/> and, with the
/// class appended to z by the decoder, for the conditional ELBO of the <see cref="ConditionalVae"/>,
/// E_q[log p(x|z, y)] - KL(q(z|x, y) || p(z)) (Sohn, Lee and Yan 2015).
/// </summary>
public static class Elbo
{
    /// <summary>
    /// Per-example reconstruction loss -E_q[log p(x|z)], estimated with one reparameterised sample
    /// z = mu + sigma * eps (the SGVB estimator B of Kingma and Welling 2013, eq. 7), and the closed-form KL term
    /// of the Gaussian posterior N(<paramref name="mu"/>, diag exp(<paramref name="logVar"/>)) from the prior N(0, I).
    /// The intermediate tensors (z, the decoder's output) are disposed; the two results belong to the caller's scope.
    /// </summary>
    /// <param name="x">The data the likelihood scores, [batch, features].</param>
    /// <param name="mu">The posterior means from the encoder, [batch, latent].</param>
    /// <param name="logVar">The posterior log variances from the encoder, [batch, latent].</param>
    /// <param name="decode">z to the parameters of p(x|z): the decoder network (for a conditional model, z joined to the class first).</param>
    /// <param name="likelihood">The decoder's likelihood p(x|z).</param>
    public static LossTerms Terms(Tensor x, Tensor mu, Tensor logVar, Func<Tensor, Tensor> decode, ILikelihood likelihood)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(decode);
        ArgumentNullException.ThrowIfNull(likelihood);
        using var scope = NewDisposeScope();
        var z = Reparameterize.Sample(mu, logVar);
        var output = decode(z);
        var reconstruction = -likelihood.LogProb(x, output);
        var kl = KlDivergence.Closed(mu, logVar);
        return new LossTerms(reconstruction.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }
}
