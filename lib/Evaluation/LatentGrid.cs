using TorchSharp;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// log p(x) computed, not bounded, for a VAE with two latent units and a Bernoulli decoder: the integral
/// p(x) = ∫ p(z) p(x|z) dz by the midpoint rule on a square grid of spacing h over [-R, R]²,
/// p(x) ≈ Σ_g h² p(z_g) p(x|z_g), in log space. The same grid gives, free of Monte Carlo error, the ELBO of any Gaussian
/// q(z|x), Σ_g h² q(z_g) [log p(x, z_g) - log q(z_g)], and with it the KL divergence from q to the true posterior,
/// log p(x) - ELBO (Kingma and Welling 2013, equation 1, made exact where the latent space is small enough to enumerate).
/// </summary>
/// <remarks>
/// For a Bernoulli decoder with logits l = f(z), log p(x|z) = Σ_d x_d l_d - softplus(l_d) is linear in x, so all images
/// against all grid points is one matrix product; the points are decoded in chunks of <see cref="PointsPerChunk"/>.
/// </remarks>
public static class LatentGrid
{
    /// <summary>Grid points decoded at a time: the memory of a chunk is images × points (and 784 logits per point).</summary>
    public const int PointsPerChunk = 10_000;

    /// <summary>
    /// The half-width R of a grid for the posteriors of images whose encoder Gaussians N(μ, diag σ²) are given: a whole
    /// number, 2 beyond the reach of every Gaussian out to 6 standard deviations (the true posterior is wider than the
    /// encoder's Gaussian, whose KL(q || p) objective makes it too narrow), and at least 6, where the prior has its mass.
    /// </summary>
    /// <param name="qs">Each set of Gaussians: μ and log σ², [images, 2] each.</param>
    public static double Reach(params (Tensor Mu, Tensor LogVar)[] qs)
    {
        if (qs is null || qs.Length == 0) throw new ArgumentException("Reach needs at least one set of Gaussians (μ, log σ²).", nameof(qs));
        using var scope = NewDisposeScope();
        return Math.Max(6, qs.Max(q => Math.Ceiling((q.Mu.abs() + 6 * (0.5 * q.LogVar).exp()).max().item<float>())) + 2);
    }

    /// <summary>
    /// The spacing h for a grid of half-width <paramref name="reach"/>: 0.03, or the smallest standard deviation among the
    /// Gaussians when that is smaller, shrunk so that it divides 2R exactly. The midpoint rule integrates a Gaussian of
    /// standard deviation σ almost exactly when h ≤ σ (its relative error is about 2 exp(-2π² σ² / h²), 5e-9 at h = σ).
    /// </summary>
    /// <param name="reach">The grid's half-width R.</param>
    /// <param name="logVars">The log σ² of every Gaussian the grid must resolve.</param>
    public static double Spacing(double reach, params Tensor[] logVars)
    {
        Check.PositiveFinite(reach, nameof(reach));
        using var scope = NewDisposeScope();
        double smallest = logVars.Length == 0 ? double.PositiveInfinity : logVars.Min(v => (0.5 * v).exp().min().item<float>());
        return 2 * reach / Math.Ceiling(2 * reach / Math.Min(0.03, smallest));
    }

    /// <summary>
    /// The cell midpoints of a square grid of spacing <paramref name="spacing"/> over [-R, R]², moved by
    /// <paramref name="shift"/> in both coordinates: [n², 2] with n = 2R / h, z1 varying slowest. With
    /// <paramref name="outside"/> &gt; 0, only the cells outside the square [-outside, outside]² (the frame that widening
    /// a smaller grid adds).
    /// </summary>
    public static Tensor Points(double spacing, double reach, double shift = 0, double outside = 0)
    {
        Check.PositiveFinite(spacing, nameof(spacing));
        Check.PositiveFinite(reach, nameof(reach));
        double cells = 2 * reach / spacing;
        int n = (int)Math.Round(cells);
        if (Math.Abs(cells - n) > 1e-6 * cells)
            throw new ArgumentException($"The spacing {spacing} does not divide the grid's width 2 × {reach} into whole cells; take it from LatentGrid.Spacing.", nameof(spacing));
        using var scope = NewDisposeScope();
        var axis = linspace(-reach + spacing / 2, reach - spacing / 2, n) + shift;
        var points = stack(new[] { axis.repeat_interleave(n), axis.repeat(n) }, 1);
        return (outside > 0 ? points[points.abs().amax(1) > outside] : points).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// For every image of <paramref name="x"/>: log p(x) = log Σ_g h² p(x, z_g) and, for each set of Gaussians q(z|x) in
    /// <paramref name="qs"/>, its ELBO Σ_g h² q(z_g) [log p(x, z_g) - log q(z_g)] and its mass on the grid Σ_g h² q(z_g)
    /// (1 when the grid holds q). With <paramref name="outside"/> &gt; 0, the sums run over the frame only (see <see cref="Points"/>).
    /// </summary>
    /// <param name="model">A VAE with two latent units and a Bernoulli decoder.</param>
    /// <param name="x">Binary images, [images, pixels].</param>
    /// <param name="spacing">The grid's spacing h (<see cref="Spacing"/>).</param>
    /// <param name="reach">The grid's half-width R (<see cref="Reach"/>).</param>
    /// <param name="qs">Gaussians to evaluate: μ and log σ², [images, 2] each; may be empty.</param>
    /// <param name="shift">Moves every grid point by this much in both coordinates (a check of the quadrature).</param>
    /// <param name="outside">When positive, only the cells outside [-outside, outside]².</param>
    /// <exception cref="ArgumentException">The model has not two latent units or not a Bernoulli decoder, or the sizes do not fit.</exception>
    public static GridIntegral Integrate(Vae model, Tensor x, double spacing, double reach, IReadOnlyList<(Tensor Mu, Tensor LogVar)> qs,
        double shift = 0, double outside = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(qs);
        if (model.LatentSize != 2)
            throw new ArgumentException($"LatentGrid integrates over two latent units; the model has {model.LatentSize}.", nameof(model));
        if (model.Likelihood is not BernoulliLikelihood)
            throw new ArgumentException($"LatentGrid needs a Bernoulli decoder (log p(x|z) linear in x); the model's likelihood is {model.Likelihood.Name}.", nameof(model));
        Check.FitsInput(x, model.InputSize, nameof(x));
        foreach (var (mu, logVar) in qs)
        {
            Check.SameShape(mu, "mu", logVar, "logVar");
            if (mu.dim() != 2 || mu.shape[0] != x.shape[0] || mu.shape[1] != 2)
                throw new ArgumentException($"Each Gaussian's μ and log σ² must be [{x.shape[0]}, 2], one per image; got {Check.Shape(mu)}.", nameof(qs));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logSums = new List<Tensor>();
        var elbo = qs.Select(_ => zeros(x.shape[0], dtype: float64)).ToArray();
        var mass = qs.Select(_ => zeros(x.shape[0], dtype: float64)).ToArray();
        double cell = spacing * spacing;
        foreach (var z in Points(spacing, reach, shift, outside).split(PointsPerChunk))
        {
            using var chunk = NewDisposeScope();                                       // free each chunk's tensors at once
            var logJoint = LogJoint(model, x, z);                                       // [images, points]
            logSums.Add(logJoint.logsumexp(1).MoveToOuterDisposeScope());
            for (int j = 0; j < qs.Count; j++)
            {
                var logQ = Gaussian.LogDensity(z.unsqueeze(0), qs[j].Mu.unsqueeze(1), qs[j].LogVar.unsqueeze(1)); // [images, points]
                var weight = logQ.exp() * cell;
                elbo[j].add_((weight * (logJoint - logQ)).sum(1).to(float64));
                mass[j].add_(weight.sum(1).to(float64));
            }
        }
        var logPx = (stack(logSums, 1).logsumexp(1) + Math.Log(cell)).to(float64);
        return new GridIntegral(logPx.MoveToOuterDisposeScope(), elbo.Select(t => t.MoveToOuterDisposeScope()).ToArray(),
            mass.Select(t => t.MoveToOuterDisposeScope()).ToArray());
    }

    /// <summary>
    /// log p(x, z) = log p(x|z) + log p(z) for every image of <paramref name="x"/> [images, pixels] and every point of
    /// <paramref name="z"/> [points, 2], for a Bernoulli decoder: [images, points]. Subtract log p(x) for the log density
    /// of the true posterior p(z|x).
    /// </summary>
    public static Tensor LogJoint(Vae model, Tensor x, Tensor z)
    {
        var logits = model.Decoder.forward(z);                                          // [points, pixels]
        return x.mm(logits.t()) - nn.functional.softplus(logits).sum(-1) + Gaussian.StandardLogDensity(z);
    }
}
