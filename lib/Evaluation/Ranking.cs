using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// Top-k ranking metrics of a recommender, as Liang, Krishnan, Hoffman and Jebara (2018, "Variational Autoencoders
/// for Collaborative Filtering", WWW 2018) use them, with binary relevance: an item is relevant to a user when
/// it is among the user's held-out clicks (any nonzero entry of <c>heldOut</c>).
/// </summary>
/// <remarks>
/// Each metric is computed per user and averaged over the users who have at least one held-out item (a user with
/// none has nothing to find and is left out). Before ranking, the items marked in <c>exclude</c> (the user's
/// folded-in clicks, which the model was shown) get a score of minus infinity: recommending what the user already
/// clicked is no achievement, so those items can never take a place in the top k. An item may not be both held out
/// and excluded. Ties among scores are broken by <c>torch.topk</c>, in an unspecified but deterministic order.
/// </remarks>
public static class Ranking
{
    /// <summary>
    /// Recall@k with Liang et al.'s normalisation: for each user, the number of held-out items in the top k divided
    /// by min(k, number of held-out items), so a perfect ranking scores 1 even when the user has more than k held-out
    /// items; averaged over users.
    /// </summary>
    /// <param name="scores">[users, items]: higher means recommended first (logits or probabilities; only the order matters).</param>
    /// <param name="heldOut">[users, items]: nonzero where the item is a held-out click of the user.</param>
    /// <param name="k">Length of the recommendation list, 1 .. items.</param>
    /// <param name="exclude">[users, items] or null: nonzero where the item is removed from the ranking (the fold-in clicks).</param>
    public static double RecallAt(Tensor scores, Tensor heldOut, int k, Tensor? exclude = null) =>
        Average(RecallPerUser(scores, heldOut, k, exclude));

    /// <summary>
    /// NDCG@k with binary relevance: DCG@k = sum over ranks j = 1..k of rel_j / log2(j + 1), divided by the ideal
    /// DCG, the DCG of a ranking that puts all held-out items first: sum over j = 1..min(k, held-out count) of
    /// 1 / log2(j + 1). It rewards hits near the top more than hits near rank k; averaged over users.
    /// </summary>
    /// <inheritdoc cref="RecallAt" path="/param"/>
    public static double NdcgAt(Tensor scores, Tensor heldOut, int k, Tensor? exclude = null) =>
        Average(NdcgPerUser(scores, heldOut, k, exclude));

    /// <summary>Recall@k of each user (see <see cref="RecallAt"/>); NaN for a user with no held-out item.</summary>
    /// <inheritdoc cref="RecallAt" path="/param"/>
    public static double[] RecallPerUser(Tensor scores, Tensor heldOut, int k, Tensor? exclude = null)
    {
        var (hits, relevant) = TopHits(scores, heldOut, k, exclude);
        var recall = new double[relevant.Length];
        for (int u = 0; u < recall.Length; u++)
        {
            double found = 0;
            for (int j = 0; j < k; j++) found += hits[u * k + j];
            recall[u] = relevant[u] == 0 ? double.NaN : found / Math.Min(k, relevant[u]);
        }
        return recall;
    }

    /// <summary>NDCG@k of each user (see <see cref="NdcgAt"/>); NaN for a user with no held-out item.</summary>
    /// <inheritdoc cref="RecallAt" path="/param"/>
    public static double[] NdcgPerUser(Tensor scores, Tensor heldOut, int k, Tensor? exclude = null)
    {
        var (hits, relevant) = TopHits(scores, heldOut, k, exclude);
        var discount = Enumerable.Range(1, k).Select(j => 1.0 / Math.Log2(j + 1)).ToArray();
        var ndcg = new double[relevant.Length];
        for (int u = 0; u < ndcg.Length; u++)
        {
            if (relevant[u] == 0) { ndcg[u] = double.NaN; continue; }
            double dcg = 0, ideal = 0;
            for (int j = 0; j < k; j++) dcg += hits[u * k + j] * discount[j];
            for (int j = 0; j < Math.Min(k, relevant[u]); j++) ideal += discount[j];
            ndcg[u] = dcg / ideal;
        }
        return ndcg;
    }

    /// <summary>1/0 per (user, rank) for the top k after exclusion, row-major, and each user's number of held-out items.</summary>
    private static (double[] Hits, long[] Relevant) TopHits(Tensor scores, Tensor heldOut, int k, Tensor? exclude)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (scores.dim() != 2 || scores.shape[0] < 1 || scores.shape[1] < 1)
            throw new ArgumentException($"scores must be a [users, items] tensor with at least one user and one item; got shape {Check.Shape(scores)}.", nameof(scores));
        Check.SameShape(scores, nameof(scores), heldOut, nameof(heldOut));
        if (exclude is not null) Check.SameShape(scores, nameof(scores), exclude, nameof(exclude));
        long items = scores.shape[1];
        if (k < 1 || k > items)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k (the length of the recommendation list) must be between 1 and the number of items ({items}).");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var s = scores.detach().cpu().to(float64);
        if (s.isnan().any().item<bool>())
            throw new ArgumentException("scores contains NaN; every score must be a number (minus infinity is allowed).", nameof(scores));
        var relevantMask = heldOut.detach().cpu() != 0;
        if (exclude is not null)
        {
            var excluded = exclude.detach().cpu() != 0;
            var both = (excluded & relevantMask).nonzero();
            if (both.shape[0] > 0)
            {
                var at = both[0].data<long>().ToArray();
                throw new ArgumentException($"heldOut and exclude overlap (user {at[0]}, item {at[1]} and {both.shape[0] - 1} more): " +
                                            "an item held out for evaluation must not also be excluded from the ranking.", nameof(exclude));
            }
            s = s.masked_fill(excluded, double.NegativeInfinity);
        }
        var top = s.topk(k, dim: 1, largest: true, sorted: true).indexes;
        var hits = relevantMask.gather(1, top).to(float64).contiguous().data<double>().ToArray();
        var relevant = relevantMask.sum(1, type: int64).data<long>().ToArray();
        return (hits, relevant);
    }

    private static double Average(double[] perUser)
    {
        var valid = perUser.Where(v => !double.IsNaN(v)).ToArray();
        if (valid.Length == 0)
            throw new ArgumentException("No user has a held-out item: there is nothing to rank against (check the heldOut tensor).", "heldOut");
        return valid.Average();
    }
}
