using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>Log densities of diagonal Gaussians, summed over the last dimension.</summary>
public static class Gaussian
{
    private static readonly double Log2Pi = Math.Log(2 * Math.PI);

    /// <summary>
    /// log N(z; mu, diag exp(logVar)), summed over the last dimension. The squared standardised residual is formed
    /// as ((z - mu) / sigma)^2 rather than (z - mu)^2 * exp(-logVar): for a very small variance the latter multiplies
    /// an underflowed zero by an overflowed infinity and gives NaN where the density is finite.
    /// </summary>
    public static Tensor LogDensity(Tensor z, Tensor mu, Tensor logVar) =>
        -0.5 * (((z - mu) / (0.5 * logVar).exp()).square() + logVar + Log2Pi).sum(-1);

    /// <summary>log N(z; 0, I), summed over the last dimension.</summary>
    public static Tensor StandardLogDensity(Tensor z) => -0.5 * (z.square() + Log2Pi).sum(-1);
}
