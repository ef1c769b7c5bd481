using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// What <see cref="LatentGrid.Integrate"/> computed for every image, in float64: log p(x), and for each Gaussian q(z|x)
/// it was given, the ELBO and the mass of q on the grid.
/// </summary>
/// <param name="LogPx">log p(x) per image (nats), [images].</param>
/// <param name="Elbo">The ELBO of each Gaussian, per image (nats), [images] each.</param>
/// <param name="QMass">Σ_g h² q(z_g) of each Gaussian, per image, [images] each.</param>
public sealed record GridIntegral(Tensor LogPx, Tensor[] Elbo, Tensor[] QMass)
{
    /// <summary>All of it as one tensor, [1 + 2q, images]: log p(x), then the ELBOs, then the masses (for storing it whole).</summary>
    public Tensor ToRows() => stack(new[] { LogPx }.Concat(Elbo).Concat(QMass).ToList());

    /// <summary>The inverse of <see cref="ToRows"/>.</summary>
    /// <exception cref="ArgumentException">The tensor is not [1 + 2q, images] for some q ≥ 0.</exception>
    public static GridIntegral FromRows(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.dim() != 2 || rows.shape[0] % 2 != 1)
            throw new ArgumentException($"A grid integral's rows are [1 + 2q, images]: log p(x), q ELBOs, q masses; got {Check.Shape(rows)}.", nameof(rows));
        int q = (int)(rows.shape[0] - 1) / 2;
        return new GridIntegral(rows[0], Enumerable.Range(1, q).Select(i => rows[i]).ToArray(),
            Enumerable.Range(1 + q, q).Select(i => rows[i]).ToArray());
    }
}
