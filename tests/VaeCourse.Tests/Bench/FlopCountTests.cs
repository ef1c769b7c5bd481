using Bench;

namespace VaeCourse.Tests.Bench;

[Trait("Category", "Slow")]
public class FlopCountTests
{
    [Fact]
    public void FlopCountsMatchTheHandCount()
    {
        // 784-400-20: (784*400 + 2*400*20 + 20*400 + 400*784) multiply-adds = 651,200; 6 FLOPs each, less 2*784*400 for the first layer.
        Assert.Equal(3_280_000, FlopCount.Mlp(784, new[] { 400 }, 20));
        // conv, C = 32: 100,352 + 1,605,632 + 125,440 + 62,720 + 1,605,632 + 100,352 = 3,600,128 multiply-adds.
        Assert.Equal(6L * 3_600_128 - 2 * 100_352, FlopCount.Conv(32, 20));
        Assert.Equal(6L * (10 * 5 + 5 * 3 + 2 * 3 * 2 + 2 * 3 + 3 * 5 + 5 * 10) - 2 * 50, FlopCount.Mlp(10, new[] { 5, 3 }, 2));
    }
}
