using System.Text.Json;
using Bench;
using TorchSharp;
using VaeCourse.Evaluation;

namespace VaeCourse.Tests.Bench;

/// <summary>The benchmark (bench/) run in-process: its JSON lines, per epoch and in the summary.</summary>
[Trait("Category", "Slow")]
public class ProgramTests
{
    private static readonly string[] EpochFields = { "epoch", "seconds", "samples_per_s", "train_nelbo", "test_nelbo", "rss_mb" };

    private static readonly string[] SummaryFields =
    {
        "seconds", "samples_per_s", "train_nelbo", "test_nelbo", "rss_mb",
        "gemm_gflops", "train_gflops", "roofline_fraction", "baseline_samples_per_s", "overhead_ratio",
        "optimizer_ms_per_step_fused", "optimizer_ms_per_step_torch", "step_ms_fused", "step_ms_torch", "step_throughput_ratio",
    };

    private static readonly string[] IwFields = { "iw_batched_seconds", "iw_loop_seconds_measured", "iw_loop_seconds_extrapolated", "iw_speedup" };

    // The runs below use one libtorch thread: with two, libtorch's OpenMP workers spin-wait for each other, and when other
    // processes keep both cores busy a step can take a hundred times longer (README.md, "Performance").
    internal static (int Code, List<JsonElement> Lines, string Log) RunBench(params string[] args)
    {
        var output = new StringWriter();
        var log = new StringWriter();
        int code = Program.Run(args, output, log);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())   // throws if any line is not JSON
            .ToList();
        return (code, lines, log.ToString());
    }

    private static void AssertPositiveNumbers(JsonElement line, IEnumerable<string> fields)
    {
        foreach (string field in fields)
        {
            Assert.True(line.TryGetProperty(field, out var value), $"missing \"{field}\" in {line}");
            Assert.True(value.ValueKind == JsonValueKind.Number, $"\"{field}\" is not a number in {line}");
            double v = value.GetDouble();
            Assert.True(double.IsFinite(v) && v > 0, $"\"{field}\" = {v} is not finite and positive in {line}");
        }
    }

    [Fact]
    public void ASmallSyntheticRunPrintsTheDocumentedJsonLines()
    {
        Course.Setup(seed: 0);
        var (code, lines, log) = RunBench(
            "--dataset", "synthetic", "--limit", "384", "--test-limit", "128", "--epochs", "2", "--batch", "128",
            "--hidden", "64", "--latent", "8", "--warmup-batches", "1", "--gemm-size", "128", "--gemm-trials", "1", "--threads", "1",
            "--profile", "--profile-batches", "2", "--iw-k", "8", "--iw-images", "16", "--iw-loop-images", "4");
        Assert.True(code == 0, log);

        var epochs = lines.Where(l => l.TryGetProperty("epoch", out _)).ToList();
        Assert.Equal(new[] { 1, 2 }, epochs.Select(e => e.GetProperty("epoch").GetInt32()));
        foreach (var epoch in epochs)
        {
            AssertPositiveNumbers(epoch, EpochFields);
            AssertPositiveNumbers(epoch, new[] { "baseline_seconds", "baseline_samples_per_s", "baseline_test_nelbo", "overhead_ratio", "gemm_gflops", "roofline_fraction" });
        }

        var profile = Assert.Single(lines, l => l.TryGetProperty("profile", out _));
        AssertPositiveNumbers(profile, new[] { "baseline_forward_ms", "baseline_backward_ms", "baseline_optimizer_ms", "library_step_ms", "library_optimizer_ms", "library_torch_adam_optimizer_ms", "gemm_ms_per_step" });

        var summary = lines[^1];
        Assert.True(summary.TryGetProperty("summary", out var flag) && flag.GetBoolean(), "the last line is not the summary");
        Assert.Single(lines, l => l.TryGetProperty("summary", out _));
        AssertPositiveNumbers(summary, SummaryFields);
        AssertPositiveNumbers(summary, IwFields);
        Assert.Equal(FlopCount.Mlp(784, new[] { 64 }, 8), summary.GetProperty("flops_per_example").GetInt64());
        Assert.Equal(384, summary.GetProperty("train_images").GetInt32());
        Assert.True(summary.GetProperty("same_initial_weights").GetBoolean());
        Assert.True(summary.GetProperty("iw_bound").GetDouble() < 0, "the importance-weighted bound of [0, 1] images is a log-likelihood, below zero");
        Assert.Equal(lines.Count, epochs.Count + 2);
    }

    [Fact]
    public void TheConvModelRunsWithoutTheBaselineAndRestoresTheThreadCount()
    {
        Course.Setup(seed: 0);
        int threads = torch.get_num_threads();
        var (code, lines, log) = RunBench(
            "--dataset", "synthetic", "--model", "conv", "--channels", "4", "--limit", "64", "--test-limit", "32",
            "--epochs", "1", "--batch", "32", "--threads", "1", "--no-baseline", "--warmup-batches", "0", "--gemm-size", "64", "--gemm-trials", "1",
            "--profile-batches", "2");
        Assert.True(code == 0, log);
        Assert.Equal(threads, torch.get_num_threads());
        Assert.Equal(2, lines.Count);
        AssertPositiveNumbers(lines[0], EpochFields);
        AssertPositiveNumbers(lines[1], SummaryFields.Except(new[] { "baseline_samples_per_s", "overhead_ratio" }));
        Assert.False(lines[1].TryGetProperty("overhead_ratio", out _));
        Assert.Equal("conv", lines[1].GetProperty("model").GetString());
        Assert.Equal(1, lines[1].GetProperty("threads").GetInt32());
        Assert.Equal(FlopCount.Conv(4, 20), lines[1].GetProperty("flops_per_example").GetInt64());
    }

    [Fact]
    public void AContinuousBernoulliRunOnBinarizedDataReportsItsSettingsAndTheNll()
    {
        Course.Setup(seed: 0);
        var (code, lines, log) = RunBench(
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
        Assert.Equal(BitsPerDimension.FromNats(nll, 784), summary.GetProperty("iw_bits_per_dim").GetDouble(), 1e-5);
        Assert.True(summary.GetProperty("iw_batched_seconds").GetDouble() > 0);
        Assert.Equal(summary.GetProperty("iw_batched_seconds").GetDouble() / 16, summary.GetProperty("iw_seconds_per_image").GetDouble(), 1e-4);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, summary.GetProperty("iw_loop_seconds_measured").ValueKind);
        Assert.DoesNotContain("per-image loop", log);
        // The continuous Bernoulli is a density on [0, 1]^784: unlike a probability of binary images, it can exceed 1,
        // so its NLL may be negative; it is finite either way.
        Assert.True(double.IsFinite(nll));
    }
}
