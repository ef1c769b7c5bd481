using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

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
