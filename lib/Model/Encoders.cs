using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// Gaussian encoder q(z|x) = N(mu(x), diag sigma^2(x)) as a multilayer perceptron: hidden ReLU layers,
/// then two linear heads for mu and log sigma^2 (Kingma and Welling 2013, appendix C.2;
/// pytorch/examples VAE: 784-400-20).
/// </summary>
public sealed class MlpEncoder : Module<Tensor, (Tensor Mu, Tensor LogVar)>
{
    private readonly Sequential body;
    private readonly Linear mu;
    private readonly Linear logVar;

    /// <summary>Creates an encoder from <paramref name="inputSize"/> through <paramref name="hidden"/> to <paramref name="latentSize"/>.</summary>
    public MlpEncoder(int inputSize, int[] hidden, int latentSize) : base(nameof(MlpEncoder))
    {
        Check.Positive(inputSize, nameof(inputSize));
        Check.Positive(latentSize, nameof(latentSize));
        Check.AllPositive(hidden, nameof(hidden));
        body = MlpDecoder.Stack(inputSize, hidden, out int last);
        mu = Linear(last, latentSize);
        logVar = Linear(last, latentSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override (Tensor Mu, Tensor LogVar) forward(Tensor x)
    {
        using var h = body.forward(x);
        return (mu.forward(h), logVar.forward(h));
    }
}

/// <summary>
/// Gaussian encoder for 1x28x28 images: two stride-2 convolutions (28 to 14 to 7) with ReLU, then
/// linear heads for mu and log sigma^2. Takes flat [batch, 784] input like the MLP.
/// </summary>
public sealed class ConvEncoder : Module<Tensor, (Tensor Mu, Tensor LogVar)>
{
    /// <summary>Image side the convolutional pair is built for.</summary>
    public const int Side = 28;
    private readonly Sequential body;
    private readonly Linear mu;
    private readonly Linear logVar;

    /// <summary>Creates a convolutional encoder with <paramref name="channels"/> feature maps in its first layer (twice that in the second).</summary>
    public ConvEncoder(int latentSize, int channels = 32) : base(nameof(ConvEncoder))
    {
        Check.Positive(latentSize, nameof(latentSize));
        Check.Positive(channels, nameof(channels));
        body = Sequential(
            Conv2d(1, channels, 4, stride: 2, padding: 1), ReLU(),
            Conv2d(channels, 2 * channels, 4, stride: 2, padding: 1), ReLU(),
            Flatten());
        int flat = 2 * channels * 7 * 7;
        mu = Linear(flat, latentSize);
        logVar = Linear(flat, latentSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override (Tensor Mu, Tensor LogVar) forward(Tensor x)
    {
        if (x.shape[^1] != Side * Side)
            throw new ArgumentException($"ConvEncoder expects flattened {Side}x{Side} images ({Side * Side} values per example); got {x.shape[^1]}.", nameof(x));
        using var h = body.forward(x.reshape(-1, 1, Side, Side));
        return (mu.forward(h), logVar.forward(h));
    }
}
