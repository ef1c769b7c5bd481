using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// A deterministic autoencoder: x to a code z = f(x) to a reconstruction g(z), trained on the mean
/// squared error alone. No distribution over z, no sampling and no KL term: the model the article's
/// code actually builds. Its <see cref="LossTerms.Kl"/> is always zero.
/// </summary>
public sealed class Autoencoder : Module<Tensor, LossTerms>
{
    /// <summary>Assembles an autoencoder from an encoder and a decoder.</summary>
    public Autoencoder(Module<Tensor, Tensor> encoder, Module<Tensor, Tensor> decoder, int latentSize) : base(nameof(Autoencoder))
    {
        Check.Positive(latentSize, nameof(latentSize));
        Encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        LatentSize = latentSize;
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

    /// <summary>An MLP autoencoder with the same layer sizes as <see cref="Vae.Mlp"/>, for comparisons.</summary>
    public static Autoencoder Mlp(int inputSize = 784, int[]? hidden = null, int latentSize = 2, Module<Tensor, Tensor>? outputActivation = null)
    {
        hidden ??= new[] { 400 };
        Check.Positive(inputSize, nameof(inputSize));
        Check.Positive(latentSize, nameof(latentSize));
        Check.AllPositive(hidden, nameof(hidden));
        var encoder = MlpDecoder.Stack(inputSize, hidden, out int last);
        encoder.append(Linear(last, latentSize));
        return new Autoencoder(encoder, new MlpDecoder(latentSize, hidden.Reverse().ToArray(), inputSize, outputActivation), latentSize)
        {
            InputSize = inputSize,
        };
    }

    /// <summary>The encoder: x to z.</summary>
    public Module<Tensor, Tensor> Encoder { get; }

    /// <summary>The decoder: z to the reconstruction.</summary>
    public Module<Tensor, Tensor> Decoder { get; }

    /// <summary>Number of code dimensions.</summary>
    public int LatentSize { get; }

    /// <summary>
    /// Number of input features per example when known: set by <see cref="Article"/> and <see cref="Mlp"/>;
    /// null for an autoencoder assembled from other networks. Data of another width is rejected with a message naming both sizes.
    /// </summary>
    public int? InputSize
    {
        get => inputSize;
        init => inputSize = Check.OptionalInputSize(value, nameof(InputSize));
    }

    private readonly int? inputSize;

    /// <summary>Reconstruction = mean squared error per example (Keras' "mse": the mean over features); Kl = 0.</summary>
    public override LossTerms forward(Tensor x)
    {
        Check.FitsInput(x, InputSize, nameof(x));
        using var z = Encoder.forward(x);
        using var xHat = Decoder.forward(z);
        var mse = (xHat - x).square().mean(new long[] { -1 });
        return new LossTerms(mse, zeros_like(mse));
    }

    /// <summary>The code of each example (no gradients).</summary>
    public Tensor Encode(Tensor x)
    {
        Check.FitsInput(x, InputSize, nameof(x));
        using var _ = no_grad();
        return Encoder.forward(x);
    }

    /// <summary>The decoder's output for each code (no gradients).</summary>
    public Tensor Decode(Tensor z)
    {
        Check.FitsLatent(z, LatentSize, nameof(z));
        using var _ = no_grad();
        return Decoder.forward(z);
    }
}
