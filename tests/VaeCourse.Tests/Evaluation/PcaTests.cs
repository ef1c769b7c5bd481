using TorchSharp;
using VaeCourse.Evaluation;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

public class PcaTests
{
    public PcaTests() => Course.Setup(seed: 4);

    /// <summary>n points a + c1 u1 + c2 u2 in 6 dimensions, with u1, u2 orthonormal and Var(c1) = 9, Var(c2) = 1.</summary>
    private static (Tensor Data, Tensor U1, Tensor U2, Tensor Offset) PlaneData(int n, double noise = 0)
    {
        var u1 = tensor(new float[] { 1, 1, 0, 0, 0, 0 }) / (float)Math.Sqrt(2);
        var u2 = tensor(new float[] { 0, 0, 1, -1, 1, 1 }) / 2f;
        var offset = tensor(new float[] { 5, -2, 0.5f, 3, 1, -1 });
        var c = randn(n, 2) * tensor(new float[] { 3, 1 });
        var data = offset + c[.., 0..1] * u1 + c[.., 1..2] * u2;
        if (noise > 0) data += (float)noise * randn(n, 6);
        return (data, u1, u2, offset);
    }

    [Fact]
    public void RecoversThePlaneTheDataLieOnAndReconstructsItExactly()
    {
        var (data, u1, u2, _) = PlaneData(2000);
        var pca = Pca.Fit(data, 2);
        Assert.Equal(2, pca.ComponentCount);
        Assert.Equal(6, pca.Features);
        Assert.Equal(2000, pca.Examples);
        // The first component is +-u1 (the direction of larger spread), the second +-u2; signs are fixed by the largest entry.
        Assert.Equal(1.0, Math.Abs(pca.Components[0].dot(u1).item<float>()), 4);
        Assert.Equal(1.0, Math.Abs(pca.Components[1].dot(u2).item<float>()), 4);
        long largest = pca.Components[0].abs().argmax().item<long>();
        Assert.True(pca.Components[0][largest].item<float>() > 0);
        // Two components hold all the variance: the reconstruction is exact and the ratios sum to 1.
        Assert.True(pca.ReconstructionError(data).max().item<float>() < 1e-6f);
        Assert.Equal(1.0, pca.ExplainedVarianceRatio.Sum(), 6);
        Assert.True(pca.ExplainedVarianceRatio[0] > 0.85 && pca.ExplainedVarianceRatio[0] < 0.95); // about 9 / (9 + 1)
    }

    [Fact]
    public void ExplainedVarianceIsTheVarianceOfTheProjectionsAndTheMeanIsTheDataMean()
    {
        var (data, _, _, _) = PlaneData(3000, noise: 0.1);
        var pca = Pca.Fit(data, 3);
        var projected = pca.Project(data).to(float64);
        Assert.Equal(new long[] { 3000, 3 }, projected.shape);
        for (int k = 0; k < 3; k++)
            Assert.Equal(projected[.., k].var().item<double>(), pca.ExplainedVariance[k], 3);
        Assert.True(pca.ExplainedVariance[0] >= pca.ExplainedVariance[1] && pca.ExplainedVariance[1] >= pca.ExplainedVariance[2]);
        Assert.True(data.mean(new long[] { 0 }).allclose(pca.Mean, rtol: 0, atol: 1e-5));
        Assert.Equal(data.to(float64).var(0L).sum().item<double>(), pca.TotalVariance, 6);
        // Components are orthonormal.
        Assert.True(pca.Components.matmul(pca.Components.t()).allclose(eye(3), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void ReconstructionErrorIsTheSquaredDistanceOutsideTheSubspace()
    {
        var (data, _, _, _) = PlaneData(1500, noise: 0.2);
        var pca = Pca.Fit(data, 2);
        var centred = data - pca.Mean;
        // Pythagoras: ||x - mean||^2 = ||projection||^2 + ||residual||^2.
        var expected = centred.square().sum(-1) - pca.Project(data).square().sum(-1);
        var error = pca.ReconstructionError(data);
        Assert.Equal(new long[] { 1500 }, error.shape);
        Assert.True(error.allclose(expected, rtol: 1e-3, atol: 1e-4));
        Assert.True(error.allclose((data - pca.Reconstruct(data)).square().sum(-1), rtol: 1e-5, atol: 1e-6));
        // A point far off the plane scores far higher than the training points.
        var outlier = pca.Mean.unsqueeze(0) + 3 * tensor(new float[] { 1, -1, 0, 0, 0, 0 }).unsqueeze(0);
        Assert.True(pca.ReconstructionError(outlier).item<float>() > 10 * error.max().item<float>());
        // Keeping every component reconstructs anything exactly.
        var all = Pca.Fit(data, 6);
        Assert.True(all.ReconstructionError(rand(10, 6) * 4).max().item<float>() < 1e-4f);
    }

    [Fact]
    public void FitWorksInChunksAndMatchesTheSvdOfTheCentredData()
    {
        // More rows than one chunk, so the chunked mean and covariance are exercised.
        var data = rand(9000, 5) * tensor(new float[] { 1, 2, 3, 0.5f, 0.1f });
        var pca = Pca.Fit(data, 5);
        var centred = (data - data.mean(new long[] { 0 })).to(float64);
        var singular = linalg.svdvals(centred);
        var eigen = (singular.square() / (9000 - 1)).data<double>().ToArray();
        for (int k = 0; k < 5; k++) Assert.Equal(eigen[k], pca.ExplainedVariance[k], 6);
    }

    [Fact]
    public void RejectsBadArgumentsWithTheReason()
    {
        var data = rand(20, 4);
        Assert.Contains("between 1 and the number of features, 4", Assert.Throws<ArgumentOutOfRangeException>(() => Pca.Fit(data, 5)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Pca.Fit(data, 0));
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => Pca.Fit(rand(1, 4), 1)).Message);
        Assert.Contains("[examples, features]", Assert.Throws<ArgumentException>(() => Pca.Fit(rand(4), 1)).Message);
        Assert.Contains("floating-point", Assert.Throws<ArgumentException>(() => Pca.Fit(ones(5, 4, dtype: int64), 1)).Message);
        Assert.Throws<ArgumentNullException>(() => Pca.Fit(null!, 1));
        var pca = Pca.Fit(data, 2);
        Assert.Contains("fitted to 4", Assert.Throws<ArgumentException>(() => pca.Project(rand(3, 5))).Message);
        Assert.Contains("fitted to 4", Assert.Throws<ArgumentException>(() => pca.ReconstructionError(rand(3, 3))).Message);
        Assert.Throws<ArgumentException>(() => pca.Reconstruct(rand(4)));
    }
}
