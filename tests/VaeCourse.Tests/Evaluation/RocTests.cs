using VaeCourse.Evaluation;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

public class RocTests
{
    public RocTests() => Course.Setup(seed: 3);

    [Fact]
    public void AucOfAPerfectRankingIsOneAndOfTheReverseIsZero()
    {
        var labels = new[] { false, false, true, true };
        Assert.Equal(1.0, Roc.Compute(new double[] { 0.1, 0.2, 0.8, 0.9 }, labels).Auc, 12);
        Assert.Equal(0.0, Roc.Compute(new double[] { 0.9, 0.8, 0.2, 0.1 }, labels).Auc, 12);
    }

    [Fact]
    public void AucCountsPairsAndTiesAsOneHalf()
    {
        // Positives 0.8, 0.4, 0.4; negatives 0.4, 0.3, 0.1: 9 pairs; wins 3 + 2 + 2 = 7, ties 2 (0.4 vs 0.4) -> (7 + 1) / 9.
        var scores = new double[] { 0.8, 0.4, 0.4, 0.4, 0.3, 0.1 };
        var labels = new[] { true, true, true, false, false, false };
        var roc = Roc.Compute(scores, labels);
        Assert.Equal(8.0 / 9.0, roc.Auc, 12);
        Assert.Equal(0.0, roc.FalsePositiveRate[0]);
        Assert.Equal(1.0, roc.FalsePositiveRate[^1]);
        Assert.Equal(1.0, roc.TruePositiveRate[^1]);
        Assert.Equal(3, roc.Positives);
        Assert.Equal(3, roc.Negatives);
        Assert.Equal(1.0 / 3.0, roc.TruePositiveRateAt(0.0), 12);
    }

    [Fact]
    public void AucOfRandomScoresIsNearOneHalfAndTensorsGiveTheSameCurve()
    {
        var rng = new Random(5);
        var scores = Enumerable.Range(0, 4000).Select(_ => rng.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, 4000).Select(i => i % 3 == 0).ToArray();
        var roc = Roc.Compute(scores, labels);
        Assert.InRange(roc.Auc, 0.47, 0.53);
        var fromTensors = Roc.Compute(tensor(scores), tensor(labels));
        Assert.Equal(roc.Auc, fromTensors.Auc, 12);
        Assert.Equal(roc.TruePositiveRate.Count, fromTensors.TruePositiveRate.Count);
    }

    [Fact]
    public void RocRejectsBadInputWithTheReason()
    {
        var one = Assert.Throws<ArgumentException>(() => Roc.Compute(new double[] { 1, 2 }, new[] { true, true }));
        Assert.Contains("both classes", one.Message);
        var length = Assert.Throws<ArgumentException>(() => Roc.Compute(new double[] { 1, 2, 3 }, new[] { true, false }));
        Assert.Contains("3 values", length.Message);
        var nan = Assert.Throws<ArgumentException>(() => Roc.Compute(new[] { 1, double.NaN }, new[] { true, false }));
        Assert.Contains("scores[1]", nan.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Roc.Compute(new double[] { 1, 2 }, new[] { true, false }).TruePositiveRateAt(1.5));
    }
}
