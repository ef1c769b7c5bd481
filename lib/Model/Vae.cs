using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// A variational autoencoder (Kingma and Welling 2013; Rezende et al. 2014): prior p(z) = N(0, I),
/// Gaussian encoder q(z|x) = N(mu(x), diag sigma^2(x)), decoder p(x|z) given by a network and a
/// likelihood. Calling the module on a batch returns the per-example <see cref="LossTerms"/> of the
/// ELBO with one reparameterised sample (<see cref="Elbo.Terms"/>).
/// </summary>
public sealed class Vae : LatentModel
{
    /// <summary>Assembles a VAE from an encoder, a decoder and the decoder's likelihood.</summary>
    public Vae(Module<Tensor, (Tensor Mu, Tensor LogVar)> encoder, Module<Tensor, Tensor> decoder, ILikelihood likelihood, int latentSize)
        : base(nameof(Vae), latentSize)
    {
        Encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        Likelihood = likelihood ?? throw new ArgumentNullException(nameof(likelihood));
        RegisterComponents();
    }

    /// <summary>
    /// An MLP VAE: <paramref name="inputSize"/>-<paramref name="hidden"/>-<paramref name="latentSize"/> and back.
    /// The defaults are the pytorch/examples VAE (784-400-20, Bernoulli decoder on logits).
    /// </summary>
    public static Vae Mlp(int inputSize = 784, int[]? hidden = null, int latentSize = 20, ILikelihood? likelihood = null)
    {
        hidden ??= new[] { 400 };
        Check.Positive(inputSize, nameof(inputSize));
        Check.Positive(latentSize, nameof(latentSize));
        Check.AllPositive(hidden, nameof(hidden));
        var back = hidden.Reverse().ToArray();
        return new Vae(new MlpEncoder(inputSize, hidden, latentSize), new MlpDecoder(latentSize, back, inputSize),
            likelihood ?? new BernoulliLikelihood(), latentSize) { InputSize = inputSize };
    }

    /// <summary>A convolutional VAE for flattened 28x28 images (<see cref="ConvEncoder"/>, <see cref="ConvDecoder"/>).</summary>
    public static Vae Conv(int latentSize = 20, int channels = 32, ILikelihood? likelihood = null)
    {
        Check.Positive(latentSize, nameof(latentSize));
        Check.Positive(channels, nameof(channels));
        return new(new ConvEncoder(latentSize, channels), new ConvDecoder(latentSize, channels), likelihood ?? new BernoulliLikelihood(), latentSize)
        {
            InputSize = ConvEncoder.Side * ConvEncoder.Side,
        };
    }

    /// <summary>
    /// The Mult-VAE of Liang et al. (2018) for collaborative filtering on implicit feedback: a <see cref="MultVaeEncoder"/>
    /// (normalise, dropout, tanh layer), an MLP decoder back to one logit per item and a <see cref="MultinomialLikelihood"/>,
    /// so the decoded softmax is a probability for every item and its order is the recommendation. Train it with
    /// <see cref="Training.TrainerOptions.Beta"/> = 0.2 and a KL warm-up (<see cref="Training.TrainerOptions.KlWarmupEpochs"/>),
    /// Liang et al.'s annealing of beta from 0 towards 0.2. Unlike the paper, the decoder's hidden layer uses ReLU, not tanh.
    /// Builds <paramref name="items"/>-<paramref name="hidden"/>-<paramref name="latentSize"/>-<paramref name="hidden"/>-<paramref name="items"/>
    /// (Liang et al.: 600 hidden, 200 latent, dropout 0.5).
    /// </summary>
    public static Vae Mult(int items, int hidden = 600, int latentSize = 200, double dropout = 0.5)
    {
        Check.Positive(items, nameof(items));
        Check.Positive(hidden, nameof(hidden));
        Check.Positive(latentSize, nameof(latentSize));
        return new Vae(new MultVaeEncoder(items, hidden, latentSize, dropout), new MlpDecoder(latentSize, new[] { hidden }, items),
            new MultinomialLikelihood(), latentSize) { InputSize = items };
    }

    /// <summary>The encoder network: x to (mu, log sigma^2).</summary>
    public Module<Tensor, (Tensor Mu, Tensor LogVar)> Encoder { get; }

    /// <summary>The decoder network: z to the parameters of p(x|z).</summary>
    public Module<Tensor, Tensor> Decoder { get; }

    /// <summary>The decoder's likelihood p(x|z).</summary>
    public ILikelihood Likelihood { get; }

    /// <inheritdoc />
    protected override LossTerms Losses(Tensor x)
    {
        var (mu, logVar) = Encoder.forward(x);
        using (mu)
        using (logVar)
            return Elbo.Terms(x, mu, logVar, Decoder.forward, Likelihood);
    }

    /// <summary>
    /// The encoder's output for <paramref name="x"/>: the parameters of q(z|x), mu and log sigma^2, each [batch, latent].
    /// Gradients flow through it (the same holds for <see cref="Autoencoder.Encode"/>): wrap the call in
    /// <c>using (torch.no_grad())</c> when only the values are needed, as <see cref="Reconstruct"/> does.
    /// </summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        Check.FitsInput(x, InputSize, nameof(x));
        return Encoder.forward(x);
    }

    /// <summary>
    /// The mean of p(x|z) for each z: what the decoder "draws". Gradients flow through it (the same holds for
    /// <see cref="Autoencoder.Decode"/>): wrap the call in <c>using (torch.no_grad())</c> when only the values are
    /// needed, as <see cref="Sample"/> does.
    /// </summary>
    public Tensor Decode(Tensor z)
    {
        Check.FitsLatent(z, LatentSize, nameof(z));
        using var output = Decoder.forward(z);
        return Likelihood.Mean(output);
    }

    /// <summary>
    /// log p(x|z) in nats for every draw of <paramref name="z"/> ([draws, batch, latent], as
    /// <see cref="Reparameterize.Sample(Tensor, Tensor, int)"/> gives them) and the matching example of <paramref name="x"/> ([batch, features]):
    /// shape [draws, batch], without gradients. The draws are decoded <paramref name="chunk"/> at a time, so the decoder's
    /// output never holds more than chunk x batch rows: all 2,000 draws of 200 images at once would be 1.25 GB of logits,
    /// and on this project's 2-core machine the chunks of 10 took 5.8 s where all at once took 15.3 s, with the same values.
    /// This is the likelihood term of the Monte Carlo ELBO and of the importance weights (Burda et al. 2015, eq. 8).
    /// </summary>
    public Tensor LogLikelihood(Tensor x, Tensor z, int chunk = 10)
    {
        Check.Positive(chunk, nameof(chunk));
        Check.FitsInput(x, InputSize, nameof(x));
        Check.FitsLatent(z, LatentSize, nameof(z));
        if (x.dim() != 2)
            throw new ArgumentException($"x must be [batch, features]; got {Check.Shape(x)}.", nameof(x));
        if (z.dim() != 3 || z.shape[1] != x.shape[0])
            throw new ArgumentException($"z must be [draws, batch, latent] with batch = {x.shape[0]}, the examples of x; got {Check.Shape(z)}.", nameof(z));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        long draws = z.shape[0];
        for (long start = 0; start < draws; start += chunk)
        {
            using var chunkScope = NewDisposeScope(); // free each chunk's decoder output at once
            var draw = z.narrow(0, start, Math.Min(chunk, draws - start));
            parts.Add(Likelihood.LogProb(x, Decoder.forward(draw)).MoveToOuterDisposeScope());
        }
        return (parts.Count == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>Reconstructs x through the posterior mean (no sampling, no gradients).</summary>
    public Tensor Reconstruct(Tensor x)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (mu, _) = Encode(x);
        return Decode(mu).MoveToOuterDisposeScope();
    }

    /// <summary>Generates <paramref name="count"/> new examples by ancestral sampling: z ~ N(0, I), then the mean of p(x|z).</summary>
    public Tensor Sample(int count, Generator? generator = null)
    {
        Check.Positive(count, nameof(count));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        // Draw on the CPU, where a CPU generator works, then move: the same samples on every device, in the model's dtype.
        var z = randn(new long[] { count, LatentSize }, dtype: parameters().First().dtype, generator: generator).to(Device);
        return Decode(z).MoveToOuterDisposeScope();
    }
}
