using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>
/// The decoder's likelihood p(x|z): how the decoder's output parameterises a distribution over x.
/// The reconstruction term of the ELBO is E_q[log p(x|z)] (Kingma and Welling 2013, eq. 3).
/// </summary>
public interface ILikelihood
{
    /// <summary>log p(x|z) per example, summed over dimensions: shape [batch] (or [k, batch]).</summary>
    Tensor LogProb(Tensor x, Tensor decoderOutput);

    /// <summary>The mean of p(x|z): what to show as the reconstruction or the sample.</summary>
    Tensor Mean(Tensor decoderOutput);

    /// <summary>A short name for tables and charts.</summary>
    string Name { get; }
}
