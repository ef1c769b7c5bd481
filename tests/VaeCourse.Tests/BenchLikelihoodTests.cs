using Bench;

namespace VaeCourse.Tests;

/// <summary>The benchmark's --likelihood and --binarize options and its importance-weighted NLL fields.</summary>
[Trait("Category", "Slow")]
public class BenchLikelihoodTests
{
    [Fact]
    public void AContinuousBernoulliRunOnBinarizedDataReportsItsSettingsAndTheNll()
    {
        Course.Setup(seed: 0);
        var (code, lines, log) = BenchTests.RunBench(
            "--dataset", "synthetic", "--limit", "256", "--test-limit", "64", "--epochs", "1", "--batch", "64",
            "--hidden", "32", "--latent", "4", "--warmup-batches", "1", "--gemm-size", "64", "--gemm-trials", "1", "--threads", "1",
            "--no-baseline", "--likelihood", "continuous-bernoulli", "--binarize", "dynamic",
            "--iw-k", "50", "--iw-images", "16", "--iw-loop-images", "0");
        Assert.True(code == 0, log);
        var summary = lines[^1];
        Assert.Equal("continuous-bernoulli", summary.GetProperty("likelihood").GetString());
        Assert.Equal("dynamic", summary.GetProperty("binarize").GetString());
        double bound = summary.GetProperty("iw_bound").GetDouble(), nll = summary.GetProperty("iw_nll").GetDouble();
        Assert.Equal(-bound, nll, 1e-9);
        Assert.Equal(Evaluation.BitsPerDimension.FromNats(nll, 784), summary.GetProperty("iw_bits_per_dim").GetDouble(), 1e-5);
        Assert.True(summary.GetProperty("iw_batched_seconds").GetDouble() > 0);
        Assert.Equal(summary.GetProperty("iw_batched_seconds").GetDouble() / 16, summary.GetProperty("iw_seconds_per_image").GetDouble(), 1e-4);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, summary.GetProperty("iw_loop_seconds_measured").ValueKind);
        Assert.DoesNotContain("per-image loop", log);
        // The continuous Bernoulli is a density on [0, 1]^784: unlike a probability of binary images, it can exceed 1,
        // so its NLL may be negative; it is finite either way.
        Assert.True(double.IsFinite(nll));
    }

    [Fact]
    public void TheDefaultsAreBernoulliWithoutBinarizationAndBadValuesOrCombinationsFailWithAMessage()
    {
        var defaults = BenchOptions.Parse(Array.Empty<string>());
        Assert.Equal("bernoulli", defaults.Likelihood);
        Assert.Equal("none", defaults.Binarize);
        var gaussian = BenchOptions.Parse(new[] { "--likelihood", "gaussian", "--binarize", "dynamic", "--no-baseline", "--iw-loop-images", "0" });
        Assert.Equal(("gaussian", "dynamic", 0), (gaussian.Likelihood, gaussian.Binarize, gaussian.IwLoopImages));

        var cases = new (string[] Args, string Message)[]
        {
            (new[] { "--likelihood", "poisson" }, "--likelihood must be bernoulli, continuous-bernoulli or gaussian"),
            (new[] { "--binarize", "static" }, "--binarize must be none or dynamic"),
            (new[] { "--likelihood", "continuous-bernoulli" }, "needs --no-baseline"),
            (new[] { "--binarize", "dynamic" }, "needs --no-baseline"),
            (new[] { "--binarize", "dynamic", "--no-baseline", "--profile" }, "no --profile"),
        };
        foreach (var (args, message) in cases)
        {
            var output = new StringWriter();
            var log = new StringWriter();
            Assert.Equal(2, Program.Run(args, output, log));
            Assert.Contains(message, log.ToString());
        }
        var help = new StringWriter();
        Program.Run(new[] { "--help" }, help);
        Assert.Contains("--likelihood", help.ToString());
        Assert.Contains("--binarize", help.ToString());
    }
}
