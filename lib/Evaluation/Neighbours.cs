using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// Nearest neighbours in a latent space (Euclidean distance between codes, such as posterior means): which examples
/// a model places close together, and how often close examples share a known label (neighbour purity). A latent
/// space that has recovered the structure of the data puts related examples next to each other.
/// </summary>
public static class Neighbours
{
    /// <summary>The <paramref name="k"/> rows of <paramref name="codes"/> nearest to row <paramref name="query"/>, nearest first, the row itself left out.</summary>
    /// <param name="codes">[examples, dimensions] codes.</param>
    /// <param name="query">Index of the row whose neighbours are wanted.</param>
    /// <param name="k">How many neighbours, 1 .. examples - 1.</param>
    public static int[] Nearest(Tensor codes, int query, int k)
    {
        long n = CheckCodes(codes, k);
        if (query < 0 || query >= n)
            throw new ArgumentOutOfRangeException(nameof(query), query, $"query must be a row index of codes, 0 .. {n - 1}.");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var c = codes.detach().cpu().to(float64);
        var distance = (c - c[query]).square().sum(1);
        distance[query] = double.PositiveInfinity;
        return distance.topk(k, largest: false, sorted: true).indexes.to(int32).data<int>().ToArray();
    }

    /// <summary>
    /// Neighbour purity: for every row, the fraction of its <paramref name="k"/> nearest other rows j for which
    /// <paramref name="related"/>(row, j) holds, averaged over rows. Compare it with <see cref="BaseRate"/>, the
    /// purity of neighbours chosen at random.
    /// </summary>
    /// <param name="codes">[examples, dimensions] codes.</param>
    /// <param name="k">Neighbours per row, 1 .. examples - 1.</param>
    /// <param name="related">Whether two examples (by row index) belong together, e.g. share a label.</param>
    /// <param name="batchSize">Rows whose distances are computed at once (memory only).</param>
    public static double Purity(Tensor codes, int k, Func<int, int, bool> related, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(related);
        Check.Positive(batchSize, nameof(batchSize));
        long n = CheckCodes(codes, k);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var c = codes.detach().cpu().to(float64);
        double total = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            using var batchScope = NewDisposeScope();
            long size = Math.Min(batchSize, n - start);
            var distance = cdist(c.narrow(0, start, size), c);
            distance.scatter_(1, arange(start, start + size, dtype: int64).unsqueeze(1), full(size, 1, double.PositiveInfinity, dtype: float64)); // leave each row itself out
            var nearest = distance.topk(k, dim: 1, largest: false).indexes.to(int32).contiguous().data<int>().ToArray();
            for (int r = 0; r < size; r++)
            {
                int row = (int)(start + r), same = 0;
                for (int j = 0; j < k; j++) if (related(row, nearest[r * k + j])) same++;
                total += (double)same / k;
            }
        }
        return total / n;
    }

    /// <summary>Neighbour purity when "related" means "has the same label": labels[i] == labels[j].</summary>
    public static double Purity(Tensor codes, IReadOnlyList<int> labels, int k, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() >= 1 && labels.Count != codes.shape[0])
            throw new ArgumentException($"labels has {labels.Count} entries for {codes.shape[0]} codes; give one label per row.", nameof(labels));
        return Purity(codes, k, (a, b) => labels[a] == labels[b], batchSize);
    }

    /// <summary>
    /// The purity of random neighbours: the fraction of ordered pairs (i, j), i ≠ j, of <paramref name="count"/>
    /// examples for which <paramref name="related"/>(i, j) holds. Neighbour purity above it means the codes put related examples together.
    /// </summary>
    public static double BaseRate(int count, Func<int, int, bool> related)
    {
        ArgumentNullException.ThrowIfNull(related);
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 2 (a pair of examples).");
        long same = 0;
        for (int i = 0; i < count; i++)
            for (int j = 0; j < count; j++)
                if (i != j && related(i, j)) same++;
        return (double)same / ((long)count * (count - 1));
    }

    private static long CheckCodes(Tensor codes, int k)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() != 2 || codes.shape[0] < 2)
            throw new ArgumentException($"codes must be an [examples, dimensions] tensor with at least 2 examples; got shape {Check.Shape(codes)}.", nameof(codes));
        long n = codes.shape[0];
        if (k < 1 || k > n - 1)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k (neighbours per example) must be between 1 and the number of other examples ({n - 1}).");
        return n;
    }
}
