using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

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
