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
        body = HiddenLayers.Relu(inputSize, hidden, out int last);
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
