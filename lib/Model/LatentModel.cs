using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// What the <see cref="Training.Trainer"/>, <see cref="Training.Trainer.Evaluate"/> and <see cref="Training.ModelCache"/>
/// take: a model with a latent code whose forward pass returns the per-example <see cref="LossTerms"/> of its objective
/// (a <see cref="Vae"/>, a <see cref="ConditionalVae"/>, an <see cref="Autoencoder"/>). It knows its
/// <see cref="LatentSize"/>, its <see cref="InputSize"/> when that is known, and the <see cref="Device"/> its parameters live on.
/// The input size is checked once, where data enters: <see cref="forward"/> rejects data of another width, naming both
/// sizes, before a derived model computes its <see cref="Losses"/>.
/// </summary>
public abstract class LatentModel : Module<Tensor, LossTerms>
{
    /// <summary>Names the module and sets its latent size (at least 1).</summary>
    protected LatentModel(string name, int latentSize) : base(name)
    {
        Check.Positive(latentSize, nameof(latentSize));
        LatentSize = latentSize;
    }

    /// <summary>Number of latent (code) dimensions.</summary>
    public int LatentSize { get; }

    /// <summary>
    /// Number of input features per example (784 for 28x28 images) when known, null when not (a model assembled from
    /// other networks). Data of another width is rejected with a message naming both sizes.
    /// </summary>
    public int? InputSize
    {
        get => inputSize;
        init => inputSize = Check.OptionalInputSize(value, nameof(InputSize));
    }

    private readonly int? inputSize;

    /// <summary>The device the parameters live on (a GPU when the model was moved there); the CPU for a model without parameters.</summary>
    public Device Device => parameters().FirstOrDefault()?.device ?? CPU;

    /// <summary>The per-example loss terms of <paramref name="x"/> ([batch, features]), after checking that it fits <see cref="InputSize"/>.</summary>
    public sealed override LossTerms forward(Tensor x)
    {
        Check.FitsInput(x, InputSize, nameof(x));
        return Losses(x);
    }

    /// <summary>The per-example loss terms of <paramref name="x"/>, which <see cref="forward"/> has checked against <see cref="InputSize"/>.</summary>
    protected abstract LossTerms Losses(Tensor x);
}
