using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>
/// The two parts of a model's loss, per example (shape [batch]): the reconstruction loss
/// -E_q[log p(x|z)] and the KL term KL(q(z|x) || p(z)). Their sum is the negative ELBO
/// (Kingma and Welling 2013, eq. 3); training minimises Reconstruction + beta * Kl
/// (Higgins et al. 2017). For a deterministic autoencoder Kl is zero.
/// </summary>
public sealed class LossTerms : IDisposable
{
    /// <summary>Creates the pair.</summary>
    public LossTerms(Tensor reconstruction, Tensor kl)
    {
        Reconstruction = reconstruction;
        Kl = kl;
    }

    /// <summary>-E_q[log p(x|z)] per example, in nats (or the squared error of an autoencoder).</summary>
    public Tensor Reconstruction { get; }

    /// <summary>KL(q(z|x) || p(z)) per example, in nats.</summary>
    public Tensor Kl { get; }

    /// <summary>The negative ELBO per example: Reconstruction + Kl.</summary>
    public Tensor NegativeElbo() => Reconstruction + Kl;

    /// <summary>The training objective, the batch mean of Reconstruction + beta * Kl.</summary>
    public Tensor Loss(double beta = 1.0) => beta == 1.0 ? (Reconstruction + Kl).mean() : (Reconstruction + beta * Kl).mean();

    /// <inheritdoc />
    public void Dispose()
    {
        Reconstruction.Dispose();
        Kl.Dispose();
    }
}
