using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace VaeCourse.Model;

/// <summary>The hidden layers of the course's MLPs: the part the encoders, the decoders and the autoencoder share.</summary>
internal static class HiddenLayers
{
    /// <summary>
    /// Linear + ReLU layers from <paramref name="input"/> features through each size in <paramref name="sizes"/>;
    /// <paramref name="last"/> is the width of the output (<paramref name="input"/> when <paramref name="sizes"/> is empty).
    /// </summary>
    public static Sequential Relu(int input, int[] sizes, out int last)
    {
        var seq = Sequential();
        last = input;
        foreach (int h in sizes)
        {
            seq.append(Linear(last, h));
            seq.append(ReLU());
            last = h;
        }
        return seq;
    }
}
