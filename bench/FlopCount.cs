namespace Bench;

/// <summary>
/// Floating-point operations of one training example (forward and backward) counted from the linear and
/// convolution layers only: each multiply-add is 2 FLOPs. A layer with M multiply-adds per example costs
/// 2M forward, 2M for the gradient with respect to its input and 2M for the gradient with respect to its
/// weights, so 6M in all; the first layer's input gradient is not needed (the data has no gradient), so it
/// costs 4M. Bias additions, activations, the loss, the reparameterisation and the optimiser are not
/// counted: they are element-wise work, small next to the matrix products, and are what the rate loses to.
/// </summary>
public static class FlopCount
{
    /// <summary>
    /// FLOPs per training example of the MLP VAE <paramref name="input"/>-<paramref name="hidden"/>-<paramref name="latent"/>
    /// (two latent heads, decoder mirrored). For 784-400-20: 651,200 multiply-adds forward, 3,280,000 FLOPs per example.
    /// </summary>
    public static long Mlp(int input, IReadOnlyList<int> hidden, int latent)
    {
        var layers = new List<long>();                       // multiply-adds of each layer, first layer first
        int last = input;
        foreach (int h in hidden) { layers.Add((long)last * h); last = h; }
        layers.Add(2L * last * latent);                      // mu and log sigma^2 heads
        last = latent;
        foreach (int h in hidden.Reverse()) { layers.Add((long)last * h); last = h; }
        layers.Add((long)last * input);
        return Total(layers);
    }

    /// <summary>
    /// FLOPs per training example of the library's convolutional VAE for 28x28 images with
    /// <paramref name="channels"/> maps in the first layer: Conv2d(1, C, 4, stride 2, pad 1) to 14x14,
    /// Conv2d(C, 2C) to 7x7, linear heads 98C to Z (twice), then Linear(Z, 98C) and the transposed
    /// convolutions 2C to C (7 to 14) and C to 1 (14 to 28). A convolution's multiply-adds are its output
    /// positions times output channels times input channels times kernel area; a transposed convolution,
    /// being the input-gradient of a convolution, does input positions times both channel counts times
    /// kernel area. For C = 32, Z = 20: 3,600,128 multiply-adds forward, 21,400,064 FLOPs per example.
    /// </summary>
    public static long Conv(int channels, int latent)
    {
        long c = channels, k = 4 * 4;
        long flat = 2 * c * 7 * 7;
        var layers = new List<long>
        {
            14 * 14 * c * 1 * k,            // conv 1 -> C, output 14x14
            7 * 7 * (2 * c) * c * k,        // conv C -> 2C, output 7x7
            2 * flat * latent,              // mu and log sigma^2 heads
            (long)latent * flat,            // decoder projection to 2C x 7 x 7
            7 * 7 * (2 * c) * c * k,        // transposed conv 2C -> C, input 7x7
            14 * 14 * c * 1 * k,            // transposed conv C -> 1, input 14x14
        };
        return Total(layers);
    }

    /// <summary>6 FLOPs per multiply-add for every layer (forward, input gradient, weight gradient) but 4 for the first.</summary>
    private static long Total(List<long> multiplyAdds) => 6 * multiplyAdds.Sum() - 2 * multiplyAdds[0];
}
