using VaeCourse.Evaluation;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

public class RankingTests
{
    public RankingTests() => Course.Setup(seed: 11);

    private static Tensor Row(params float[] v) => tensor(v, new long[] { 1, v.Length });

    [Fact]
    public void RecallAndNdcgMatchHandComputedValues()
    {
        var scores = Row(0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f);   // ranking: items 0, 1, 2, 3, 4, 5
        var heldOut = Row(0, 1, 0, 0, 1, 0);                     // relevant: items 1 and 4
        // Top 3 = {0, 1, 2}: one hit at rank 2. Recall = 1 / min(3, 2); DCG = 1/log2(3); ideal = 1 + 1/log2(3).
        Assert.Equal(0.5, Ranking.RecallAt(scores, heldOut, 3), 12);
        Assert.Equal((1 / Math.Log2(3)) / (1 + 1 / Math.Log2(3)), Ranking.NdcgAt(scores, heldOut, 3), 12);
        // Top 5 finds both: recall 1; DCG = 1/log2(3) + 1/log2(6).
        Assert.Equal(1.0, Ranking.RecallAt(scores, heldOut, 5), 12);
        Assert.Equal((1 / Math.Log2(3) + 1 / Math.Log2(6)) / (1 + 1 / Math.Log2(3)), Ranking.NdcgAt(scores, heldOut, 5), 12);
        // k = 1: the top item is not relevant.
        Assert.Equal(0.0, Ranking.RecallAt(scores, heldOut, 1), 12);
        Assert.Equal(0.0, Ranking.NdcgAt(scores, heldOut, 1), 12);
    }

    [Fact]
    public void ExcludedItemsCannotTakeAPlaceInTheTopK()
    {
        var scores = Row(0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f);
        var heldOut = Row(0, 1, 0, 0, 1, 0);
        var foldIn = Row(1, 0, 1, 0, 0, 0);                      // items 0 and 2 were shown to the model
        // Ranking without them: 1, 3, 4, 5. Top 2 = {1, 3}: one hit at rank 1.
        Assert.Equal(0.5, Ranking.RecallAt(scores, heldOut, 2, foldIn), 12);
        Assert.Equal(1 / (1 + 1 / Math.Log2(3)), Ranking.NdcgAt(scores, heldOut, 2, foldIn), 12);
        // Top 3 = {1, 3, 4}: both found.
        Assert.Equal(1.0, Ranking.RecallAt(scores, heldOut, 3, foldIn), 12);
        Assert.Equal((1 + 1 / Math.Log2(4)) / (1 + 1 / Math.Log2(3)), Ranking.NdcgAt(scores, heldOut, 3, foldIn), 12);
    }

    [Fact]
    public void RecallIsNormalisedByTheSmallerOfKAndTheHeldOutCount()
    {
        var scores = Row(5, 4, 3, 2, 1);
        var heldOut = Row(1, 1, 1, 0, 0);                        // 3 relevant, k = 2: a perfect list finds 2 of 3
        Assert.Equal(1.0, Ranking.RecallAt(scores, heldOut, 2), 12);
        Assert.Equal(1.0, Ranking.NdcgAt(scores, heldOut, 2), 12);
        Assert.Equal(1.0, Ranking.NdcgAt(scores, heldOut, 5), 12);
    }

    [Fact]
    public void MetricsAverageOverUsersAndSkipUsersWithNothingHeldOut()
    {
        var scores = tensor(new float[] { 3, 2, 1,   3, 2, 1,   3, 2, 1 }, new long[] { 3, 3 });
        var heldOut = tensor(new float[] { 1, 0, 0,   0, 0, 1,   0, 0, 0 }, new long[] { 3, 3 });
        Assert.Equal(new[] { 1.0, 0.0, double.NaN }, Ranking.RecallPerUser(scores, heldOut, 1));
        Assert.Equal(0.5, Ranking.RecallAt(scores, heldOut, 1), 12);      // (1 + 0) / 2: the third user has nothing to find
        var ndcg = Ranking.NdcgPerUser(scores, heldOut, 3);
        Assert.Equal(1.0, ndcg[0], 12);
        Assert.Equal(1 / Math.Log2(4), ndcg[1], 12);
        Assert.True(double.IsNaN(ndcg[2]));
    }

    [Fact]
    public void RankingRejectsBadInputWithTheReason()
    {
        var scores = Row(1, 2, 3);
        var heldOut = Row(1, 0, 0);
        var k0 = Assert.Throws<ArgumentOutOfRangeException>(() => Ranking.RecallAt(scores, heldOut, 0));
        Assert.Equal("k", k0.ParamName);
        Assert.Contains("between 1 and the number of items (3)", k0.Message);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Ranking.NdcgAt(scores, heldOut, 4)).ParamName);
        Assert.Contains("same shape", Assert.Throws<ArgumentException>(() => Ranking.RecallAt(scores, Row(1, 0), 1)).Message);
        Assert.Contains("same shape", Assert.Throws<ArgumentException>(() => Ranking.RecallAt(scores, heldOut, 1, Row(1, 0))).Message);
        Assert.Contains("[users, items]", Assert.Throws<ArgumentException>(() => Ranking.RecallAt(ones(3), ones(3), 1)).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Ranking.RecallAt(Row(1, float.NaN, 3), heldOut, 1)).Message);
        var overlap = Assert.Throws<ArgumentException>(() => Ranking.RecallAt(scores, heldOut, 1, Row(1, 0, 0)));
        Assert.Contains("overlap (user 0, item 0", overlap.Message);
        Assert.Contains("No user has a held-out item", Assert.Throws<ArgumentException>(() => Ranking.NdcgAt(scores, Row(0, 0, 0), 1)).Message);
    }
}
