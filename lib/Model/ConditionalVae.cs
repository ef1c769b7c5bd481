using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// A conditional VAE (Sohn, Lee and Yan 2015): encoder q(z|x, y), prior p(z) = N(0, I), decoder p(x|z, y),
/// where y is a class given as a one-hot vector. It trains with the same <see cref="Training.Trainer"/> as
/// a <see cref="Vae"/>: each training row is the example followed by its one-hot class (see <see cref="Join"/>),
/// and calling the module on such rows returns the per-example terms of the conditional ELBO,
/// E_q[log p(x|z, y)] - KL(q(z|x, y) || p(z)) (<see cref="Elbo.Terms"/>, with the decoder reading [z, y]).
/// </summary>
public sealed class ConditionalVae : LatentModel
{
    /// <summary>Assembles a conditional VAE: the encoder reads [x, y], the decoder reads [z, y].</summary>
    public ConditionalVae(Module<Tensor, (Tensor Mu, Tensor LogVar)> encoder, Module<Tensor, Tensor> decoder, ILikelihood likelihood,
        int dataSize, int classes, int latentSize) : base(nameof(ConditionalVae), latentSize)
    {
        Check.Positive(dataSize, nameof(dataSize));
        Check.Positive(classes, nameof(classes));
        Encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        Likelihood = likelihood ?? throw new ArgumentNullException(nameof(likelihood));
        DataSize = dataSize;
        Classes = classes;
        InputSize = dataSize + classes; // a training row: the example followed by its one-hot class
        RegisterComponents();
    }

    /// <summary>
    /// An MLP conditional VAE: (<paramref name="dataSize"/> + <paramref name="classes"/>)-<paramref name="hidden"/>-<paramref name="latentSize"/>,
    /// then (<paramref name="latentSize"/> + <paramref name="classes"/>)-<paramref name="hidden"/>-<paramref name="dataSize"/>, Bernoulli by default.
    /// </summary>
    public static ConditionalVae Mlp(int dataSize = 784, int classes = 10, int[]? hidden = null, int latentSize = 20, ILikelihood? likelihood = null)
    {
        hidden ??= new[] { 400 };
        Check.Positive(dataSize, nameof(dataSize));
        Check.Positive(classes, nameof(classes));
        Check.Positive(latentSize, nameof(latentSize));
        Check.AllPositive(hidden, nameof(hidden));
        return new ConditionalVae(new MlpEncoder(dataSize + classes, hidden, latentSize),
            new MlpDecoder(latentSize + classes, hidden.Reverse().ToArray(), dataSize),
            likelihood ?? new BernoulliLikelihood(), dataSize, classes, latentSize);
    }

    /// <summary>The encoder network: [x, y] to (mu, log sigma^2).</summary>
    public Module<Tensor, (Tensor Mu, Tensor LogVar)> Encoder { get; }

    /// <summary>The decoder network: [z, y] to the parameters of p(x|z, y).</summary>
    public Module<Tensor, Tensor> Decoder { get; }

    /// <summary>The decoder's likelihood.</summary>
    public ILikelihood Likelihood { get; }

    /// <summary>Features per example x (784 for 28x28 images).</summary>
    public int DataSize { get; }

    /// <summary>Number of classes y can take.</summary>
    public int Classes { get; }

    /// <summary>Training rows for this model: each example followed by the one-hot vector of its class ([N, DataSize + Classes]).</summary>
    public Tensor Join(Tensor x, Tensor labels)
    {
        Check.FitsInput(x, DataSize, nameof(x));
        return cat(new[] { x, OneHot(labels, x.shape[0], x.dtype) }, 1);
    }

    /// <inheritdoc />
    protected override LossTerms Losses(Tensor rows)
    {
        using var x = rows.narrow(1, 0, DataSize);
        using var y = rows.narrow(1, DataSize, Classes);
        var (mu, logVar) = Encoder.forward(rows);
        using (mu)
        using (logVar)
            return Elbo.Terms(x, mu, logVar, z => Decoder.forward(cat(new[] { z, y }, 1)), Likelihood);
    }

    /// <summary>The parameters of q(z|x, y) for examples <paramref name="x"/> of classes <paramref name="labels"/>.</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor x, Tensor labels)
    {
        using var rows = Join(x, labels);
        return Encoder.forward(rows);
    }

    /// <summary>The mean of p(x|z, y) for each code and class.</summary>
    public Tensor Decode(Tensor z, Tensor labels)
    {
        Check.FitsLatent(z, LatentSize, nameof(z));
        using var scope = NewDisposeScope();
        var output = Decoder.forward(cat(new[] { z, OneHot(labels, z.shape[0], z.dtype) }, 1));
        return Likelihood.Mean(output).MoveToOuterDisposeScope();
    }

    /// <summary>One new example per entry of <paramref name="labels"/>, of that class: z ~ N(0, I), then the mean of p(x|z, y).</summary>
    public Tensor Sample(Tensor labels, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var z = randn(new long[] { labels.shape[0], LatentSize }, dtype: parameters().First().dtype, generator: generator).to(Device);
        return Decode(z, labels.to(Device)).MoveToOuterDisposeScope();
    }

    private Tensor OneHot(Tensor labels, long count, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.dim() != 1 || labels.shape[0] != count)
            throw new ArgumentException($"labels must be a vector of {count} class indices (one per example); got shape {Check.Shape(labels)}.", nameof(labels));
        if (labels.is_floating_point())
            throw new ArgumentException($"labels must be integer class indices 0..{Classes - 1}; got {labels.dtype} values.", nameof(labels));
        using var indices = labels.to(int64);   // int32, int16 and byte labels are read as int64 like the rest
        if (count > 0)
        {
            long min = indices.min().item<long>(), max = indices.max().item<long>();
            if (min < 0 || max >= Classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"labels must lie in 0..{Classes - 1} for a model of {Classes} classes; found values from {min} to {max}.");
        }
        return nn.functional.one_hot(indices, Classes).to(dtype);
    }
}
