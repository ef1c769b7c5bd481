using VaeCourse.Evaluation;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

public class NeighboursTests
{
    public NeighboursTests() => Course.Setup(seed: 11);

    [Fact]
    public void NearestNeighboursAreSortedAndLeaveTheQueryOut()
    {
        var codes = tensor(new float[] { 0, 1, 3, 10, 0.5f }, new long[] { 5, 1 });
        Assert.Equal(new[] { 4, 1 }, Neighbours.Nearest(codes, 0, 2));
        Assert.Equal(new[] { 2, 1, 4, 0 }, Neighbours.Nearest(codes, 3, 4));
    }

    [Fact]
    public void PurityCountsNeighboursThatShareALabel()
    {
        // Two tight clusters far apart: every neighbour within k = 2 shares the label.
        var codes = tensor(new float[] { 0, 0, 0.1f, 0, 0, 0.1f, 10, 10, 10.1f, 10, 10, 10.1f }, new long[] { 6, 2 });
        var labels = new[] { 0, 0, 0, 1, 1, 1 };
        Assert.Equal(1.0, Neighbours.Purity(codes, labels, 2), 12);
        // With k = 3 each point has 2 of 3 neighbours in its own cluster.
        Assert.Equal(2.0 / 3.0, Neighbours.Purity(codes, labels, 3, batchSize: 4), 12);
        // Labels unrelated to the geometry: each point's 2 nearest are its cluster mates, labelled 0,1,0 / 1,0,1.
        var mixed = new[] { 0, 1, 0, 1, 0, 1 };
        Assert.Equal((0.5 + 0 + 0.5 + 0.5 + 0 + 0.5) / 6, Neighbours.Purity(codes, mixed, 2), 12);
        Assert.Equal(Neighbours.Purity(codes, mixed, 2), Neighbours.Purity(codes, 2, (a, b) => mixed[a] == mixed[b]), 12);
    }

    [Fact]
    public void BaseRateIsTheFractionOfRelatedPairs()
    {
        var labels = new[] { 0, 0, 1, 1 };                       // related ordered pairs: (0,1), (1,0), (2,3), (3,2) of 12
        Assert.Equal(1.0 / 3.0, Neighbours.BaseRate(4, (a, b) => labels[a] == labels[b]), 12);
        Assert.Equal(1.0, Neighbours.BaseRate(3, (_, _) => true), 12);
    }

    [Fact]
    public void NeighboursRejectBadInputWithTheReason()
    {
        var codes = randn(5, 2);
        Assert.Contains("between 1 and the number of other examples (4)", Assert.Throws<ArgumentOutOfRangeException>(() => Neighbours.Nearest(codes, 0, 5)).Message);
        Assert.Equal("query", Assert.Throws<ArgumentOutOfRangeException>(() => Neighbours.Nearest(codes, 5, 1)).ParamName);
        Assert.Contains("one label per row", Assert.Throws<ArgumentException>(() => Neighbours.Purity(codes, new[] { 0, 1 }, 1)).Message);
        Assert.Contains("at least 2 examples", Assert.Throws<ArgumentException>(() => Neighbours.Purity(randn(1, 2), 1, (_, _) => true)).Message);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => Neighbours.BaseRate(1, (_, _) => true)).ParamName);
    }
}
