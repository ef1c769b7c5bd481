using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>
/// Decoder as a multilayer perceptron: z through hidden ReLU layers to the parameters of p(x|z)
/// (logits for a Bernoulli likelihood, means for a Gaussian one). Kingma and Welling 2013, appendix C.
/// </summary>
public sealed class MlpDecoder : Module<Tensor, Tensor>
{
    private readonly Sequential net;

    /// <summary>Creates a decoder from <paramref name="latentSize"/> through <paramref name="hidden"/> to <paramref name="outputSize"/>; <paramref name="outputActivation"/> (such as sigmoid) is applied last if given.</summary>
    public MlpDecoder(int latentSize, int[] hidden, int outputSize, Module<Tensor, Tensor>? outputActivation = null) : base(nameof(MlpDecoder))
    {
        Check.Positive(latentSize, nameof(latentSize));
        Check.Positive(outputSize, nameof(outputSize));
        Check.AllPositive(hidden, nameof(hidden));
        net = HiddenLayers.Relu(latentSize, hidden, out int last);
        net.append(Linear(last, outputSize));
        if (outputActivation is not null) net.append(outputActivation);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor z) => net.forward(z);
}
