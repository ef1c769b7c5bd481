using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

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
