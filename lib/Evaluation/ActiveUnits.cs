using TorchSharp;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// Active units (Burda, Grosse and Salakhutdinov 2015, section 5.2): latent unit u is active when the
/// activity A_u = Cov_x(E_{q(z|x)}[z_u]) exceeds 0.01, that is when its posterior mean moves with the
/// data. An inactive unit's posterior equals the prior for every x: it carries no information and costs no KL.
/// </summary>
public static class ActiveUnits
{
    /// <summary>The threshold Burda et al. use.</summary>
    public const double DefaultThreshold = 0.01;

    /// <summary>The activity A_u of every latent unit over <paramref name="data"/>: the variance across examples of mu_u(x). Length LatentSize.</summary>
    public static double[] Activity(Vae model, Tensor data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        Check.Positive(batchSize, nameof(batchSize));
        if (data.dim() != 2 || data.shape[0] < 2)
            throw new ArgumentException($"data must be [examples, features] with at least 2 examples to have a variance; got shape {Check.Shape(data)}.", nameof(data));
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            long n = data.shape[0];
            var means = new List<Tensor>();
            for (long start = 0; start < n; start += batchSize)
                means.Add(model.Encode(data.narrow(0, start, Math.Min(batchSize, n - start))).Mu.to(float64));
            return cat(means, 0).var(0L, unbiased: true).data<double>().ToArray();
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>How many units have activity above <paramref name="threshold"/> (0.01 by default).</summary>
    public static int Count(Vae model, Tensor data, double threshold = DefaultThreshold, int batchSize = 1000)
    {
        Check.PositiveFinite(threshold, nameof(threshold));
        return Activity(model, data, batchSize).Count(a => a > threshold);
    }
}
