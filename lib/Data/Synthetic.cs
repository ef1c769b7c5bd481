namespace VaeCourse.Data;

/// <summary>
/// Small data sets made in memory, with no files: the article's random matrix, and labelled 2-D point sets
/// for latent-space pictures. All are deterministic for a given seed (they use <see cref="NumpyRandomState"/>).
/// Point sets are returned as <c>Xy</c> = [x0, y0, x1, y1, ...] (count * 2 floats) and one label per point,
/// ordered by label (shuffle before mini-batch training if the order matters).
/// </summary>
public static class Synthetic
{
    /// <summary>The number of rows of <see cref="ArticleData"/>.</summary>
    public const int ArticleRows = 1000;

    /// <summary>The number of columns of <see cref="ArticleData"/>.</summary>
    public const int ArticleCols = 20;

    /// <summary>
    /// The article's Keras example input, <c>np.random.seed(0); x = np.random.rand(1000, 20)</c>: 1000 rows of
    /// 20 values, row-major. The doubles equal NumPy's bit for bit; this returns them rounded to float.
    /// </summary>
    /// <returns>A new array of <see cref="ArticleRows"/> * <see cref="ArticleCols"/> floats in [0, 1).</returns>
    public static float[] ArticleData()
    {
        double[] values = ArticleDataDouble();
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = (float)values[i];
        return result;
    }

    /// <summary>The same values as <see cref="ArticleData"/> as doubles, exactly NumPy's.</summary>
    /// <returns>A new array of <see cref="ArticleRows"/> * <see cref="ArticleCols"/> doubles in [0, 1).</returns>
    public static double[] ArticleDataDouble() => new NumpyRandomState(0).RandomSample(ArticleRows * ArticleCols);

    /// <summary>
    /// Two interleaving half circles ("two moons"): label 0 on the upper arc (cos t, sin t), label 1 on the
    /// lower arc (1 - cos t, 0.5 - sin t), t evenly spaced in [0, pi], plus Gaussian noise on each coordinate.
    /// </summary>
    /// <param name="count">Number of points; the first count / 2 have label 0.</param>
    /// <param name="noise">Standard deviation of the noise.</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <returns>The points (count * 2 floats) and labels (0 or 1).</returns>
    public static (float[] Xy, int[] Labels) TwoMoons(int count = 1000, double noise = 0.1, uint seed = 0)
    {
        Validate(count, noise);
        return TwoCurves(count, noise, seed, (first, j, n) =>
        {
            double t = n > 1 ? Math.PI * j / (n - 1) : 0.0;
            return first ? (Math.Cos(t), Math.Sin(t)) : (1.0 - Math.Cos(t), 0.5 - Math.Sin(t));
        });
    }

    /// <summary>
    /// Two concentric circles: label 0 on the unit circle, label 1 on a circle of radius <paramref name="factor"/>,
    /// angles evenly spaced in [0, 2 pi), plus Gaussian noise on each coordinate.
    /// </summary>
    /// <param name="count">Number of points; the first count / 2 have label 0.</param>
    /// <param name="factor">Radius of the inner circle, in (0, 1).</param>
    /// <param name="noise">Standard deviation of the noise.</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <returns>The points (count * 2 floats) and labels (0 or 1).</returns>
    public static (float[] Xy, int[] Labels) Circles(int count = 1000, double factor = 0.5, double noise = 0.05, uint seed = 0)
    {
        Validate(count, noise);
        if (!(factor > 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The inner radius must be in (0, 1).");
        return TwoCurves(count, noise, seed, (first, j, n) =>
        {
            double t = 2 * Math.PI * j / n, r = first ? 1.0 : factor;
            return (r * Math.Cos(t), r * Math.Sin(t));
        });
    }

    /// <summary>
    /// Two labelled curves with Gaussian noise: the first count / 2 points on curve 0 (label 0), the rest on curve 1
    /// (label 1); <paramref name="point"/> gives point j of n on a curve, and NumPy's generator adds noise to x, then
    /// to y, point by point.
    /// </summary>
    private static (float[] Xy, int[] Labels) TwoCurves(int count, double noise, uint seed, Func<bool, int, int, (double X, double Y)> point)
    {
        var rng = new NumpyRandomState(seed);
        var xy = new float[2 * count];
        var labels = new int[count];
        int first = count / 2;
        for (int i = 0; i < count; i++)
        {
            bool onFirst = i < first;
            var (x, y) = point(onFirst, onFirst ? i : i - first, onFirst ? first : count - first);
            xy[2 * i] = (float)(x + noise * rng.StandardNormal());
            xy[2 * i + 1] = (float)(y + noise * rng.StandardNormal());
            labels[i] = onFirst ? 0 : 1;
        }
        return (xy, labels);
    }

    /// <summary>
    /// A mixture of <paramref name="blobs"/> isotropic Gaussians whose centres are evenly spaced on a circle:
    /// blob k is centred at radius * (cos 2 pi k / K, sin 2 pi k / K) and gives label k.
    /// </summary>
    /// <param name="count">Number of points, split as evenly as possible (blob k gets the k-th block).</param>
    /// <param name="blobs">Number of blobs K (at least 1).</param>
    /// <param name="radius">Radius of the circle of centres.</param>
    /// <param name="standardDeviation">Standard deviation of each blob.</param>
    /// <param name="seed">Seed of the samples.</param>
    /// <returns>The points (count * 2 floats) and labels (0 .. K - 1).</returns>
    public static (float[] Xy, int[] Labels) GaussianBlobs(int count = 1000, int blobs = 5, double radius = 4.0,
                                                          double standardDeviation = 0.5, uint seed = 0)
    {
        Validate(count, standardDeviation);
        ArgumentOutOfRangeException.ThrowIfLessThan(blobs, 1);
        var rng = new NumpyRandomState(seed);
        var xy = new float[2 * count];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int k = (int)((long)i * blobs / count);
            double angle = 2 * Math.PI * k / blobs;
            xy[2 * i] = (float)(radius * Math.Cos(angle) + standardDeviation * rng.StandardNormal());
            xy[2 * i + 1] = (float)(radius * Math.Sin(angle) + standardDeviation * rng.StandardNormal());
            labels[i] = k;
        }
        return (xy, labels);
    }

    private static void Validate(int count, double spread)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(spread >= 0) || double.IsInfinity(spread))
            throw new ArgumentOutOfRangeException(nameof(spread), spread, "The noise must be a finite number >= 0.");
    }
}
