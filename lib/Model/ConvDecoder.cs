using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// Decoder for 1x28x28 images, the mirror of <see cref="ConvEncoder"/>: a linear layer to 7x7 feature
/// maps, then two stride-2 transposed convolutions (7 to 14 to 28). Outputs flat [batch, 784].
/// </summary>
public sealed class ConvDecoder : Module<Tensor, Tensor>
{
    private readonly Linear project;
    private readonly Sequential net;
    private readonly int channels;

    /// <summary>Creates the decoder; <paramref name="channels"/> matches the encoder's first layer.</summary>
    public ConvDecoder(int latentSize, int channels = 32) : base(nameof(ConvDecoder))
    {
        Check.Positive(latentSize, nameof(latentSize));
        Check.Positive(channels, nameof(channels));
        this.channels = channels;
        project = Linear(latentSize, 2 * channels * 7 * 7);
        net = Sequential(
            ReLU(),
            ConvTranspose2d(2 * channels, channels, 4, stride: 2, padding: 1), ReLU(),
            ConvTranspose2d(channels, 1, 4, stride: 2, padding: 1),
            Flatten());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor z)
    {
        var lead = z.shape[..^1];
        using var h = project.forward(z.reshape(-1, z.shape[^1])).reshape(-1, 2 * channels, 7, 7);
        return net.forward(h).reshape(lead.Append(ConvEncoder.Side * ConvEncoder.Side).ToArray());
    }
}
