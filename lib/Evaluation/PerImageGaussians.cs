using TorchSharp;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// Each image's own Gaussian q*(z|x) = N(μ, diag σ²), found by optimising that image's ELBO alone with the decoder frozen:
/// what the encoder would output if it had no other image to serve. The ELBO of q* against the encoder's splits the gap
/// log p(x) - ELBO into the approximation gap, log p(x) - ELBO(q*), and the amortisation gap, ELBO(q*) - ELBO(encoder)
/// (Cremer, Li and Duvenaud 2018, "Inference suboptimality in variational autoencoders", section 3).
/// </summary>
public static class PerImageGaussians
{
    /// <summary>
    /// Starts every image's μ and log σ² at the encoder's output and follows Adam on the ELBO,
    /// E_q[log p(x|z)] (from <paramref name="draws"/> reparameterised draws, from libtorch's default generator) - KL(q || p(z))
    /// (closed form), summed over the images, all images in one batch. The learning rate falls tenfold for the last third
    /// of the steps, to settle the noisy steps. The model's parameters are left as they were, their gradients too.
    /// </summary>
    /// <param name="model">The VAE whose decoder the Gaussians serve.</param>
    /// <param name="x">The images, [images, input].</param>
    /// <param name="steps">Adam steps.</param>
    /// <param name="draws">Draws of z per image and step.</param>
    /// <param name="learningRate">Adam's learning rate for the first two thirds of the steps.</param>
    /// <returns>μ and log σ² per image, [images, latent] each, without gradients.</returns>
    public static (Tensor Mu, Tensor LogVar) Optimise(Vae model, Tensor x, int steps, int draws = 4, double learningRate = 1e-2)
    {
        ArgumentNullException.ThrowIfNull(model);
        Check.Positive(steps, nameof(steps));
        Check.Positive(draws, nameof(draws));
        Check.PositiveFinite(learningRate, nameof(learningRate));
        Tensor mu0, logVar0;
        using (no_grad()) (mu0, logVar0) = model.Encode(x);
        var mu = new TorchSharp.Modules.Parameter(mu0);
        var logVar = new TorchSharp.Modules.Parameter(logVar0);
        var frozen = model.parameters().Where(p => p.requires_grad).ToList();
        frozen.ForEach(p => p.requires_grad = false);
        try
        {
            using var adam = optim.Adam(new[] { mu, logVar }, learningRate);
            for (int step = 0; step < steps; step++)
            {
                if (step == 2 * steps / 3) adam.ParamGroups.First().LearningRate = learningRate / 10;
                using var scope = NewDisposeScope();
                adam.zero_grad();
                var z = Reparameterize.Sample(mu, logVar, draws);                                  // [draws, images, latent]
                var elbo = model.Likelihood.LogProb(x, model.Decoder.forward(z)).mean(new long[] { 0 }) - KlDivergence.Closed(mu, logVar);
                (-elbo.sum()).backward();
                adam.step();
            }
        }
        finally { frozen.ForEach(p => p.requires_grad = true); }
        return (mu.detach(), logVar.detach());
    }
}
