using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// The Mult-VAE of Liang et al. (2018) for collaborative filtering on implicit feedback: a <see cref="MultVaeEncoder"/>
/// (normalise, dropout, tanh layer), an MLP decoder back to one logit per item and a <see cref="MultinomialLikelihood"/>,
/// so the decoded softmax is a probability for every item and its order is the recommendation. Train it with
/// <see cref="Training.TrainerOptions.Beta"/> = 0.2 and a KL warm-up (<see cref="Training.TrainerOptions.KlWarmupEpochs"/>),
/// Liang et al.'s annealing of beta from 0 towards 0.2. Unlike the paper, the decoder's hidden layer uses ReLU, not tanh.
/// </summary>
public static class MultVae
{
    /// <summary>Builds an items-hidden-latent-hidden-items Mult-VAE (Liang et al.: 600 hidden, 200 latent, dropout 0.5).</summary>
    public static Vae Create(int items, int hidden = 600, int latentSize = 200, double dropout = 0.5)
    {
        Check.Positive(items, nameof(items));
        Check.Positive(hidden, nameof(hidden));
        Check.Positive(latentSize, nameof(latentSize));
        return new Vae(new MultVaeEncoder(items, hidden, latentSize, dropout), new MlpDecoder(latentSize, new[] { hidden }, items),
            new MultinomialLikelihood(), latentSize) { InputSize = items };
    }
}
