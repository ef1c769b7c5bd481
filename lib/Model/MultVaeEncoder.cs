using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// The encoder of a Mult-VAE (Liang, Krishnan, Hoffman and Jebara 2018, "Variational Autoencoders for Collaborative
/// Filtering", WWW 2018): the user's click vector is L2-normalised (so heavy and light users look alike),
/// dropout is applied to it while training (Liang et al. use 0.5: the model learns to predict clicks it does not
/// see), then one tanh hidden layer and two linear heads for mu and log sigma^2.
/// Dropout is active only in training mode (<c>module.train()</c>); the <see cref="Training.Trainer"/> leaves the
/// model in evaluation mode after fitting, so encoding for recommendation sees the whole history.
/// </summary>
public sealed class MultVaeEncoder : Module<Tensor, (Tensor Mu, Tensor LogVar)>
{
    private readonly Dropout dropout;
    private readonly Linear hidden;
    private readonly Linear mu;
    private readonly Linear logVar;

    /// <summary>Creates the encoder: <paramref name="items"/> inputs, <paramref name="hiddenSize"/> tanh units, <paramref name="latentSize"/> latent units.</summary>
    /// <param name="items">Number of items (input size).</param>
    /// <param name="hiddenSize">Units of the hidden layer (Liang et al.: 600).</param>
    /// <param name="latentSize">Latent units (Liang et al.: 200).</param>
    /// <param name="dropout">Probability of dropping each input while training, in [0, 1) (Liang et al.: 0.5).</param>
    public MultVaeEncoder(int items, int hiddenSize, int latentSize, double dropout = 0.5) : base(nameof(MultVaeEncoder))
    {
        Check.Positive(items, nameof(items));
        Check.Positive(hiddenSize, nameof(hiddenSize));
        Check.Positive(latentSize, nameof(latentSize));
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout (the probability of dropping an input) must lie in [0, 1).");
        this.dropout = Dropout(dropout);
        hidden = Linear(items, hiddenSize);
        mu = Linear(hiddenSize, latentSize);
        logVar = Linear(hiddenSize, latentSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override (Tensor Mu, Tensor LogVar) forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normalised = functional.normalize(x, p: 2, dim: -1);
        var h = hidden.forward(dropout.forward(normalised)).tanh();
        return (mu.forward(h).MoveToOuterDisposeScope(), logVar.forward(h).MoveToOuterDisposeScope());
    }
}
