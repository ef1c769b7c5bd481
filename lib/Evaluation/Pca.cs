using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// Principal component analysis (Pearson 1901, "On lines and planes of closest fit to systems of points in
/// space"; Hotelling 1933; Bishop 2006, "Pattern Recognition and Machine Learning", section 12.1): the
/// <see cref="Components"/> are the leading eigenvectors of the sample covariance of the training data, the
/// orthonormal directions along which it varies most. Projecting onto them and back gives the best
/// reconstruction by any k-dimensional affine subspace in squared error (Pearson's "closest fit"), so the
/// squared <see cref="ReconstructionError"/> is the classic linear baseline for a VAE's anomaly score.
/// </summary>
/// <remarks>
/// The fit accumulates the covariance in double precision, a chunk of rows at a time, and takes its
/// eigendecomposition (the same directions as the singular value decomposition of the centred data). Each
/// component's sign is fixed so that its entry of largest magnitude is positive, so a fit is reproducible.
/// </remarks>
public sealed class Pca
{
    private const int ChunkRows = 4096;

    private Pca(Tensor mean, Tensor components, double[] variance, double totalVariance, long examples)
    {
        Mean = mean;
        Components = components;
        ExplainedVariance = variance;
        TotalVariance = totalVariance;
        ExplainedVarianceRatio = variance.Select(v => totalVariance > 0 ? v / totalVariance : 0).ToArray();
        Examples = examples;
    }

    /// <summary>The mean of the training data, [features], in the data's floating-point type.</summary>
    public Tensor Mean { get; }

    /// <summary>The principal directions as orthonormal rows, [components, features], largest variance first.</summary>
    public Tensor Components { get; }

    /// <summary>The variance of the training data along each component (the covariance's eigenvalues, divisor N - 1), largest first.</summary>
    public IReadOnlyList<double> ExplainedVariance { get; }

    /// <summary>The fraction of the training data's total variance along each component: <see cref="ExplainedVariance"/> / <see cref="TotalVariance"/>.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio { get; }

    /// <summary>The total variance of the training data: the sum of the per-feature variances (the covariance's trace).</summary>
    public double TotalVariance { get; }

    /// <summary>How many examples the fit saw.</summary>
    public long Examples { get; }

    /// <summary>The number of components kept.</summary>
    public int ComponentCount => (int)Components.shape[0];

    /// <summary>The number of features per example.</summary>
    public int Features => (int)Components.shape[1];

    /// <summary>
    /// Fits <paramref name="components"/> principal components to <paramref name="data"/> ([examples, features],
    /// floating point, at least 2 examples), keeping 1 to features components.
    /// </summary>
    public static Pca Fit(Tensor data, int components)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2)
            throw new ArgumentException($"data must be a [examples, features] tensor; got shape {Check.Shape(data)}. Flatten images to one row each.", nameof(data));
        if (!data.is_floating_point())
            throw new ArgumentException($"data must hold floating-point values (got {data.dtype}); scale pixel bytes to [0, 1] first.", nameof(data));
        long n = data.shape[0], d = data.shape[1];
        if (n < 2)
            throw new ArgumentException($"data has {n} example(s); a covariance needs at least 2.", nameof(data));
        if (d < 1)
            throw new ArgumentException("data has no features (shape [n, 0]).", nameof(data));
        if (components < 1 || components > d)
            throw new ArgumentOutOfRangeException(nameof(components), components, $"components must lie between 1 and the number of features, {d}.");

        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = data.detach();
        var mean = zeros(d, dtype: float64, device: x.device);
        for (long start = 0; start < n; start += ChunkRows)
            mean.add_(x.narrow(0, start, Math.Min(ChunkRows, n - start)).to(float64).sum(0L));
        mean.div_(n);
        var scatter = zeros(new long[] { d, d }, dtype: float64, device: x.device);
        for (long start = 0; start < n; start += ChunkRows)
        {
            using var chunkScope = NewDisposeScope();
            var centred = x.narrow(0, start, Math.Min(ChunkRows, n - start)).to(float64) - mean;
            scatter.add_(centred.t().matmul(centred));
        }
        var covariance = scatter / (n - 1);
        double total = covariance.diagonal().sum().item<double>();
        var (values, vectors) = linalg.eigh(covariance);                 // ascending eigenvalues, eigenvectors in columns
        var order = arange(d - 1, d - 1 - components, -1, dtype: int64, device: x.device);
        var top = values.index_select(0, order).clamp_min(0);             // round-off can make a zero eigenvalue slightly negative
        var rows = vectors.index_select(1, order).t().contiguous();       // [components, features]
        var largest = rows.abs().argmax(1, keepdim: true);
        var signs = rows.gather(1, largest).sign();
        signs = where(signs == 0, ones_like(signs), signs);
        rows = rows * signs;
        var variance = top.cpu().data<double>().ToArray();
        var keptMean = mean.to(x.dtype).MoveToOuterDisposeScope();
        var keptRows = rows.to(x.dtype).MoveToOuterDisposeScope();
        return new Pca(keptMean, keptRows, variance, total, n);
    }

    /// <summary>The coordinates of each example along the components: (x - mean) W^T, [examples, components].</summary>
    public Tensor Project(Tensor x)
    {
        CheckFits(x, nameof(x));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return (x.to(Mean.dtype) - Mean).matmul(Components.t()).MoveToOuterDisposeScope();
    }

    /// <summary>Each example projected onto the components and mapped back: mean + Project(x) W, [examples, features].</summary>
    public Tensor Reconstruct(Tensor x)
    {
        CheckFits(x, nameof(x));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return (Project(x).matmul(Components) + Mean).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The squared reconstruction error of each example, ||x - Reconstruct(x)||^2 summed over features, [examples]:
    /// the part of x outside the principal subspace, and the PCA anomaly score (higher = less like the training data).
    /// </summary>
    public Tensor ReconstructionError(Tensor x)
    {
        CheckFits(x, nameof(x));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return (x.to(Mean.dtype) - Reconstruct(x)).square().sum(-1).MoveToOuterDisposeScope();
    }

    private void CheckFits(Tensor x, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.dim() != 2)
            throw new ArgumentException($"{name} must be a [examples, features] tensor; got shape {Check.Shape(x)}.", name);
        if (x.shape[1] != Features)
            throw new ArgumentException($"{name} has {x.shape[1]} features per example but the PCA was fitted to {Features}.", name);
        if (!x.is_floating_point())
            throw new ArgumentException($"{name} must hold floating-point values (got {x.dtype}).", name);
    }
}
