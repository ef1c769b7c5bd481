using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>
/// The evidence lower bound, log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || p(z))
/// (Kingma and Welling 2013, eq. 3): the one place the library computes it.
/// </summary>
public static class Elbo
{
    /// <summary>
    /// Per-example reconstruction loss -E_q[log p(x|z)], estimated with one reparameterised sample
    /// (the SGVB estimator B of Kingma and Welling 2013, eq. 7), and the closed-form KL term.
    /// </summary>
    public static LossTerms Terms(Vae model, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var (mu, logVar) = model.Encode(x); // checks that x fits the model's input size
        var z = Reparameterize.Sample(mu, logVar);
        var output = model.Decoder.forward(z);
        var reconstruction = -model.Likelihood.LogProb(x, output);
        var kl = KlDivergence.Closed(mu, logVar);
        return new LossTerms(reconstruction.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }
}
