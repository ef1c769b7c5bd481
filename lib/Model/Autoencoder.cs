using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// A deterministic autoencoder: x to a code z = f(x) to a reconstruction g(z), trained on a reconstruction
/// error alone: by default the mean squared error (the model the article's code actually builds), or, with a
/// <see cref="Likelihood"/>, minus its log-likelihood of x given the decoder's output, the same reconstruction
/// term a <see cref="Vae"/> with that likelihood has. No distribution over z, no sampling and no KL term: its
/// <see cref="LossTerms.Kl"/> is always zero.
/// </summary>
public sealed class Autoencoder : LatentModel
{
    /// <summary>
    /// Assembles an autoencoder from an encoder and a decoder, trained on the mean squared error, or on
    /// -<paramref name="likelihood"/>.LogProb(x, decoder(z)) when a likelihood is given.
    /// </summary>
    public Autoencoder(Module<Tensor, Tensor> encoder, Module<Tensor, Tensor> decoder, int latentSize, ILikelihood? likelihood = null)
        : base(nameof(Autoencoder), latentSize)
    {
        Encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        Likelihood = likelihood;
        RegisterComponents();
    }

    /// <summary>
    /// The article's Keras model (its section 5), with the two layers it needs to run. The article's encoder is one
    /// Dense(<paramref name="hiddenUnits"/>, relu) and its decoder one Dense(<paramref name="hiddenUnits"/>, relu);
    /// its decoder is declared for a <paramref name="latentSize"/>-wide input and its output is compared with
    /// <paramref name="inputSize"/>-wide data, so the sizes do not connect. Added: a Dense(<paramref name="latentSize"/>,
    /// relu) code layer at the end of the encoder, built like the article's own layers, and a Dense(<paramref name="inputSize"/>)
    /// output layer without activation (Keras' default) at the end of the decoder. The layers are
    /// input, hidden (ReLU), code (ReLU), hidden (ReLU), output; trained with MSE.
    /// </summary>
    public static Autoencoder Article(int inputSize = 20, int latentSize = 2, int hiddenUnits = 128)
    {
        Check.Positive(inputSize, nameof(inputSize));
        Check.Positive(latentSize, nameof(latentSize));
        Check.Positive(hiddenUnits, nameof(hiddenUnits));
        var encoder = Sequential(Linear(inputSize, hiddenUnits), ReLU(), Linear(hiddenUnits, latentSize), ReLU());
        var decoder = Sequential(Linear(latentSize, hiddenUnits), ReLU(), Linear(hiddenUnits, inputSize));
        return new Autoencoder(encoder, decoder, latentSize) { InputSize = inputSize };
    }

    /// <summary>
    /// An MLP autoencoder with the same layer sizes as <see cref="Vae.Mlp"/>, for comparisons. Without a
    /// <paramref name="likelihood"/> it is trained on the mean squared error of the decoder's output (pass a sigmoid
    /// <paramref name="outputActivation"/> for images in [0, 1]); with one, the decoder's output is that likelihood's
    /// parameter (logits for <see cref="BernoulliLikelihood"/>, so no output activation) and the loss is the
    /// reconstruction term of <see cref="Vae.Mlp"/> with the same likelihood.
    /// </summary>
    public static Autoencoder Mlp(int inputSize = 784, int[]? hidden = null, int latentSize = 2, Module<Tensor, Tensor>? outputActivation = null,
        ILikelihood? likelihood = null)
    {
        hidden ??= new[] { 400 };
        Check.Positive(inputSize, nameof(inputSize));
        Check.Positive(latentSize, nameof(latentSize));
        Check.AllPositive(hidden, nameof(hidden));
        var encoder = HiddenLayers.Relu(inputSize, hidden, out int last);
        encoder.append(Linear(last, latentSize));
        return new Autoencoder(encoder, new MlpDecoder(latentSize, hidden.Reverse().ToArray(), inputSize, outputActivation), latentSize, likelihood)
        {
            InputSize = inputSize,
        };
    }

    /// <summary>The encoder: x to z.</summary>
    public Module<Tensor, Tensor> Encoder { get; }

    /// <summary>The decoder: z to the reconstruction.</summary>
    public Module<Tensor, Tensor> Decoder { get; }

    /// <summary>
    /// The likelihood whose negative log-probability of x is the reconstruction loss, with the decoder's output as its
    /// parameter; null for the mean squared error.
    /// </summary>
    public ILikelihood? Likelihood { get; }

    /// <summary>
    /// Reconstruction per example: the mean squared error (Keras' "mse": the mean over features), or
    /// -log p(x | decoder(z)) under <see cref="Likelihood"/> when it is set; Kl = 0.
    /// </summary>
    protected override LossTerms Losses(Tensor x)
    {
        using var z = Encoder.forward(x);
        using var output = Decoder.forward(z);
        var reconstruction = Likelihood is null ? (output - x).square().mean(new long[] { -1 }) : -Likelihood.LogProb(x, output);
        return new LossTerms(reconstruction, zeros_like(reconstruction));
    }

    /// <summary>
    /// The encoder's output for <paramref name="x"/>: the code z = f(x) of each example, [batch, latent]. As for
    /// <see cref="Vae.Encode"/>, gradients flow through it: wrap the call in <c>using (torch.no_grad())</c> when only
    /// the values are needed.
    /// </summary>
    public Tensor Encode(Tensor x)
    {
        Check.FitsInput(x, InputSize, nameof(x));
        return Encoder.forward(x);
    }

    /// <summary>
    /// The reconstruction for each code: the mean of <see cref="Likelihood"/> given the decoder's output, or for the mean
    /// squared error the decoder's output itself. As for <see cref="Vae.Decode"/>, gradients flow through it: wrap the
    /// call in <c>using (torch.no_grad())</c> when only the values are needed.
    /// </summary>
    public Tensor Decode(Tensor z)
    {
        Check.FitsLatent(z, LatentSize, nameof(z));
        if (Likelihood is null) return Decoder.forward(z);
        using var output = Decoder.forward(z);
        return Likelihood.Mean(output);
    }
}
