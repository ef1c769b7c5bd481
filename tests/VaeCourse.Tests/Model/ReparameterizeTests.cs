using VaeCourse.Model;
using static TorchSharp.torch;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Model;

public class ReparameterizeTests
{
    public ReparameterizeTests() => Course.Setup(seed: 1);

    [Fact]
    public void ReparameterisedSamplesHaveTheEncodedMoments()
    {
        var mu = full(new long[] { 1, 2 }, 1.5f);
        var logVar = tensor(new float[] { 0f, (float)Math.Log(4) }).reshape(1, 2);
        var z = Reparameterize.Sample(mu, logVar, 200_000);
        var mean = z.mean(new long[] { 0 }).data<float>().ToArray();
        var std = z.std(0).data<float>().ToArray();
        Assert.InRange(mean[0], 1.48, 1.52);
        Assert.InRange(std[0], 0.98, 1.02);
        Assert.InRange(std[1], 1.97, 2.03);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Reparameterize_Sample_k(int k) =>
        Rejects(() => Reparameterize.Sample(zeros(2, 3), zeros(2, 3), k), "k", "k (samples per example)", AtLeast1);
}
