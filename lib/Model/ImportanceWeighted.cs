using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Model;

/// <summary>
/// The importance-weighted bound (Burda, Grosse and Salakhutdinov 2015, eq. 8):
/// L_k(x) = E[log (1/k) sum_i p(x, z_i) / q(z_i|x)], z_i ~ q(z|x). L_1 is the ELBO, L_k rises with k
/// and tends to log p(x) as k grows (Burda et al., theorem 1); it stays a lower bound for every finite k, which is how the
/// literature reports a VAE's log-likelihood (with the k used, for example 5,000).
/// </summary>
public static class ImportanceWeighted
{
    /// <summary>
    /// L_k per example, in nats (shape [batch]), with the k samples drawn in chunks of at most
    /// <paramref name="chunk"/> so memory stays bounded; all examples of the batch are processed together.
    /// The model is evaluated in evaluation mode (no dropout), and its mode is restored afterwards.
    /// </summary>
    public static Tensor LogLikelihood(Vae model, Tensor x, int k, int chunk = 100)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k (importance samples) must be at least 1.");
        if (chunk < 1) throw new ArgumentOutOfRangeException(nameof(chunk), chunk, "chunk must be at least 1.");
        ArgumentNullException.ThrowIfNull(model);
        Check.FitsInput(x, model.InputSize, nameof(x));
        bool wasTraining = model.training;
        model.eval();
        try
        {
            return Bound(model, x, k, chunk);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    private static Tensor Bound(Vae model, Tensor x, int k, int chunk)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (mu, logVar) = model.Encode(x);
        var parts = new List<Tensor>();
        for (int done = 0; done < k; done += chunk)
        {
            int n = Math.Min(chunk, k - done);
            using var chunkScope = NewDisposeScope();                           // free each chunk's decoder outputs at once
            var z = Reparameterize.Sample(mu, logVar, n);                       // [n, B, Z]
            var logPxz = model.LogLikelihood(x, z, chunk: n);                   // [n, B]
            parts.Add((logPxz + Gaussian.StandardLogDensity(z) - Gaussian.LogDensity(z, mu, logVar)).MoveToOuterDisposeScope());
        }
        var logW = parts.Count == 1 ? parts[0] : cat(parts, 0);
        var bound = logW.logsumexp(0) - Math.Log(k);
        return bound.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// L_k of every example of a data set ([N, D]), in nats, as a float64 tensor of shape [N], taking
    /// <paramref name="batchSize"/> examples at a time (each with all k samples, in chunks of <paramref name="chunk"/>):
    /// no loop over single examples, and memory bounded by one batch. With the same global seed and batch size the draws
    /// are those of calling <see cref="LogLikelihood"/> batch by batch.
    /// </summary>
    /// <param name="model">The VAE whose encoder is the proposal q(z|x) and whose decoder gives p(x|z).</param>
    /// <param name="data">The examples, [N, D], D the model's input size.</param>
    /// <param name="k">Importance samples per example (at least 1; k = 1 is the ELBO).</param>
    /// <param name="batchSize">
    /// Examples per batch; by default <see cref="DefaultBatchSize"/>, so that a chunk's decoder outputs stay small enough
    /// for the processor's cache.
    /// </param>
    /// <param name="chunk">Samples decoded at once (at least 1): the cap on one step's memory.</param>
    public static Tensor PerExample(Vae model, Tensor data, int k, int? batchSize = null, int chunk = 100)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k (importance samples) must be at least 1.");
        if (chunk < 1) throw new ArgumentOutOfRangeException(nameof(chunk), chunk, "chunk must be at least 1.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (data.dim() != 2 || data.shape[0] < 1)
            throw new ArgumentException($"data must be a [examples, features] tensor with at least one example; got [{string.Join(", ", data.shape)}].", nameof(data));
        Check.FitsInput(data, model.InputSize, nameof(data));
        int batch = batchSize ?? DefaultBatchSize(k, chunk);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        long n = data.shape[0];
        for (long start = 0; start < n; start += batch)
            parts.Add(LogLikelihood(model, data.narrow(0, start, Math.Min(batch, n - start)), k, chunk).to(float64));
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The batch size <see cref="PerExample"/> takes by default: about 2,500 decoder rows per chunk (batch times
    /// min(chunk, k)), 7.8 MB of logits for 784 pixels. Measured on this project's 2-core machine (bench/README.md), k = 1,000
    /// on 500 images took 9.3 s at the former fixed batch of 250 images (25,000 rows a chunk) and 5.4 s at 25.
    /// </summary>
    public static int DefaultBatchSize(int k, int chunk) => Math.Max(1, 2_500 / Math.Max(1, Math.Min(chunk, k)));

    /// <summary>The mean of <see cref="PerExample"/> over a data set ([N, D]): the data set's L_k per example, in nats.</summary>
    public static double Mean(Vae model, Tensor data, int k, int? batchSize = null, int chunk = 100)
    {
        using var scope = NewDisposeScope();
        return PerExample(model, data, k, batchSize, chunk).mean().item<double>();
    }
}
