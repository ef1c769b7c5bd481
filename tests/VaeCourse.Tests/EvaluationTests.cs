using TorchSharp;
using VaeCourse.Evaluation;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests;

public class EvaluationTests
{
    public EvaluationTests() => Course.Setup(seed: 3);

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

    [Fact]
    public void ActiveUnitsFindsAUnitWhosePosteriorMeanIgnoresTheData()
    {
        var model = Vae.Mlp(inputSize: 10, hidden: new[] { 16 }, latentSize: 3);
        using (no_grad())
        {
            // Silence unit 1: zero weights into its mu, so mu_1(x) is the bias for every x.
            var weight = model.Encoder.named_parameters().Single(p => p.name == "mu.weight").parameter;
            weight[1].zero_();
        }
        var data = rand(500, 10);
        var activity = ActiveUnits.Activity(model, data, batchSize: 64);
        Assert.Equal(3, activity.Length);
        Assert.Equal(0.0, activity[1], 10);
        var (mu, _) = model.Encode(data);
        Assert.Equal(mu[.., 0].to(float64).var().item<double>(), activity[0], 6);
        Assert.Equal(activity.Count(a => a > 1e-6), ActiveUnits.Count(model, data, threshold: 1e-6));
        Assert.Throws<ArgumentException>(() => ActiveUnits.Activity(model, rand(1, 10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActiveUnits.Count(model, data, threshold: -1));
    }

    [Fact]
    public void MultinomialLogProbIsCountsTimesLogSoftmax()
    {
        var likelihood = new MultinomialLikelihood();
        var logits = randn(4, 6, dtype: float64);
        var counts = tensor(new double[,] { { 1, 0, 2, 0, 0, 1 }, { 0, 0, 0, 0, 0, 3 }, { 1, 1, 1, 1, 1, 1 }, { 0, 0, 0, 0, 0, 0 } });
        var expected = (counts * logits.log_softmax(1)).sum(1);
        Assert.True(likelihood.LogProb(counts, logits).allclose(expected));
        Assert.Equal(0.0, likelihood.LogProb(counts, logits)[3].item<double>());
        Assert.True(likelihood.Mean(logits).sum(1).allclose(ones(4, dtype: float64)));
        // Adding a constant to every logit does not change the distribution.
        Assert.True(likelihood.LogProb(counts, logits + 5).allclose(expected));
        Assert.Throws<ArgumentException>(() => likelihood.LogProb(counts, randn(4, 5, dtype: float64)));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void ConditionalVaeTrainsWithTheTrainerAndSamplesTheRequestedClass()
    {
        var model = ConditionalVae.Mlp(dataSize: 8, classes: 3, hidden: new[] { 32 }, latentSize: 2);
        // Each class is a fixed pattern: class c lights features 2c..2c+2.
        var labels = randint(0, 3, new long[] { 600 }, dtype: int64);
        var x = zeros(600, 8);
        for (int c = 0; c < 3; c++) x.index_put_(1f, TensorIndex.Tensor(labels == c), TensorIndex.Slice(2 * c, 2 * c + 3));
        var rows = model.Join(x, labels);
        Assert.Equal(new long[] { 600, 11 }, rows.shape);
        var history = new Trainer(model, new TrainerOptions { Epochs = 30, BatchSize = 60, LearningRate = 1e-2 }).Fit(rows);
        Assert.True(history.Last.TrainNegativeElbo < history.Epochs[0].TrainNegativeElbo);
        var samples = model.Sample(tensor(new long[] { 0, 1, 2 }));
        Assert.Equal(new long[] { 3, 8 }, samples.shape);
        for (int c = 0; c < 3; c++)
            Assert.True(samples[c, 2 * c].item<float>() > 0.9f, $"class {c} sample: {string.Join(", ", samples[c].data<float>().ToArray())}");
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void ConditionalVaeRejectsLabelsThatDoNotFit()
    {
        var model = ConditionalVae.Mlp(dataSize: 8, classes: 3, hidden: new[] { 8 }, latentSize: 2);
        var x = rand(4, 8);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => model.Join(x, tensor(new long[] { 0, 1, 2, 3 })));
        Assert.Contains("0..2", range.Message);
        var count = Assert.Throws<ArgumentException>(() => model.Join(x, tensor(new long[] { 0, 1 })));
        Assert.Contains("4 class indices", count.Message);
        Assert.Throws<ArgumentException>(() => model.Join(x, tensor(new float[] { 0, 1, 2, 0 })));
        Assert.Throws<ArgumentException>(() => model.Join(rand(4, 9), tensor(new long[] { 0, 1, 2, 0 })));
        Assert.Throws<ArgumentException>(() => new Trainer(model).Fit(rand(10, 8)));
    }

    [Fact]
    public void KlWarmupRaisesBetaLinearlyThenHoldsIt()
    {
        var model = Vae.Mlp(inputSize: 6, hidden: new[] { 8 }, latentSize: 2);
        var data = rand(100, 6);
        var history = new Trainer(model, new TrainerOptions { Epochs = 4, BatchSize = 10, Beta = 0.5, KlWarmupEpochs = 2 }).Fit(data);
        Assert.Equal(new[] { 0.25, 0.5, 0.5, 0.5 }, history.Epochs.Select(e => Math.Round(e.Beta, 12)));
        var plain = new Trainer(Vae.Mlp(inputSize: 6, hidden: new[] { 8 }, latentSize: 2), new TrainerOptions { Epochs = 1, BatchSize = 10 }).Fit(data);
        Assert.Equal(1.0, plain.Last.Beta);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { KlWarmupEpochs = -1 }.Validate());
    }

    [Fact]
    public void ThreadsComeFromVaeThreadsWhenSet()
    {
        string? old = Environment.GetEnvironmentVariable("VAE_THREADS");
        try
        {
            Environment.SetEnvironmentVariable("VAE_THREADS", null);
            Assert.Null(Course.ThreadsFromEnvironment());
            Environment.SetEnvironmentVariable("VAE_THREADS", "1");
            Assert.Equal(1, Course.ThreadsFromEnvironment());
            Environment.SetEnvironmentVariable("VAE_THREADS", "zero");
            var error = Assert.Throws<ArgumentException>(() => Course.ThreadsFromEnvironment());
            Assert.Contains("VAE_THREADS is 'zero'", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("VAE_THREADS", old);
        }
    }
}
