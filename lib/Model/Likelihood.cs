using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>
/// The decoder's likelihood p(x|z): how the decoder's output parameterises a distribution over x.
/// The reconstruction term of the ELBO is E_q[log p(x|z)] (Kingma and Welling 2013, eq. 3).
/// </summary>
public interface ILikelihood
{
    /// <summary>log p(x|z) per example, summed over dimensions: shape [batch] (or [k, batch]).</summary>
    Tensor LogProb(Tensor x, Tensor decoderOutput);

    /// <summary>The mean of p(x|z): what to show as the reconstruction or the sample.</summary>
    Tensor Mean(Tensor decoderOutput);

    /// <summary>A short name for tables and charts.</summary>
    string Name { get; }
}

/// <summary>
/// Bernoulli decoder on logits, for pixel intensities in [0, 1] (Kingma and Welling 2013, appendix C.1):
/// log p(x|z) = sum_d x_d log sigmoid(l_d) + (1 - x_d) log(1 - sigmoid(l_d)), which is minus the
/// sum-reduced binary cross-entropy with logits. Intensities between 0 and 1 are used as soft targets,
/// as in pytorch/examples.
/// </summary>
public sealed class BernoulliLikelihood : ILikelihood
{
    /// <inheritdoc />
    public string Name => "Bernoulli";

    /// <inheritdoc />
    public Tensor LogProb(Tensor x, Tensor logits)
    {
        Check.SameFeatures(x, logits, nameof(logits));
        // -BCE(logits, x) = x * l - softplus(l), computed stably.
        var target = x.expand_as(logits);
        return (target * logits - nn.functional.softplus(logits)).sum(-1);
    }

    /// <inheritdoc />
    public Tensor Mean(Tensor logits) => logits.sigmoid();
}

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

/// <summary>
/// Multinomial decoder on logits, for counts or clicks over D items or words (Liang et al. 2018, Mult-VAE,
/// eq. 2; Miao et al. 2016 for bags of words): log p(x|z) = sum_d x_d log softmax(l)_d, dropping the
/// multinomial coefficient, which does not depend on the model. The mean is the softmax: a probability
/// for every item, the ranking a recommender reads.
/// </summary>
public sealed class MultinomialLikelihood : ILikelihood
{
    /// <inheritdoc />
    public string Name => "Multinomial";

    /// <inheritdoc />
    public Tensor LogProb(Tensor x, Tensor logits)
    {
        Check.SameFeatures(x, logits, nameof(logits));
        return (x.expand_as(logits) * logits.log_softmax(-1)).sum(-1);
    }

    /// <inheritdoc />
    public Tensor Mean(Tensor logits) => logits.softmax(-1);
}
