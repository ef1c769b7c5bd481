using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>
/// Gaussian decoder with a fixed standard deviation sigma (Kingma and Welling 2013, appendix C.2, with
/// the variance held constant): log p(x|z) = -||x - mu||^2 / (2 sigma^2) - D log(sigma sqrt(2 pi)).
/// Maximising it is minimising the sum of squared errors scaled by 1 / (2 sigma^2): the "mean squared
/// error" reconstruction loss is this log-likelihood up to a constant and a scale, which acts as a
/// weight between reconstruction and KL.
/// </summary>
public sealed class GaussianLikelihood : ILikelihood
{
    /// <summary>Creates a Gaussian likelihood with standard deviation <paramref name="sigma"/>.</summary>
    public GaussianLikelihood(double sigma = 1.0)
    {
        if (!(sigma > 0) || double.IsInfinity(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma (the decoder's standard deviation) must be a positive finite number.");
        Sigma = sigma;
    }

    /// <summary>The fixed standard deviation of every output dimension.</summary>
    public double Sigma { get; }

    /// <inheritdoc />
    public string Name => $"Gaussian(sigma={Sigma:g3})";

    /// <inheritdoc />
    public Tensor LogProb(Tensor x, Tensor mean)
    {
        Check.SameFeatures(x, mean, nameof(mean));
        long d = mean.shape[^1];
        double constant = d * Math.Log(Sigma * Math.Sqrt(2 * Math.PI));
        return -(x - mean).square().sum(-1) / (2 * Sigma * Sigma) - constant;
    }

    /// <inheritdoc />
    public Tensor Mean(Tensor mean) => mean.alias();
}
