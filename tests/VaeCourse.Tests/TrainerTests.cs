using TorchSharp;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests;

public class TrainerTests
{
    public TrainerTests() => Course.Setup(seed: 0);

    private static Tensor Blobs(int n, long seed)
    {
        // Binary-ish images: two prototypes with noise, in [0, 1].
        var g = new Generator((ulong)seed);
        var proto = (rand(new long[] { 2, 64 }, generator: g) > 0.5).to(float32);
        var pick = randint(0, 2, new long[] { n }, generator: g);
        var noise = rand(new long[] { n, 64 }, generator: g) * 0.2f;
        return (proto.index_select(0, pick) * 0.8f + noise).clamp(0, 1);
    }

    private static List<double> Run(long seed)
    {
        manual_seed(seed);
        var model = Vae.Mlp(inputSize: 64, hidden: new[] { 32 }, latentSize: 4);
        var history = new Trainer(model, new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = seed }).Fit(Blobs(256, 9), Blobs(64, 10));
        return history.Epochs.SelectMany(e => new[] { e.TrainReconstruction, e.TrainKl, e.TestNegativeElbo!.Value }).ToList();
    }

    [Fact]
    public void SameSeedGivesIdenticalLosses()
    {
        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }

    [Fact]
    public void TrainingLowersTheLossAndReportsProgress()
    {
        manual_seed(1);
        var model = Vae.Mlp(inputSize: 64, hidden: new[] { 32 }, latentSize: 4);
        var data = Blobs(512, 1);
        var before = Trainer.Evaluate(model, data);
        var reports = new List<TrainingProgress>();
        var history = new Trainer(model, new TrainerOptions { Epochs = 5, BatchSize = 64, LearningRate = 3e-3, ProgressInterval = TimeSpan.Zero })
            .Fit(data, progress: reports.Add);
        var after = Trainer.Evaluate(model, data);
        Assert.True(after.Reconstruction + after.Kl < 0.8 * (before.Reconstruction + before.Kl),
            $"negative ELBO {before.Reconstruction + before.Kl:F2} -> {after.Reconstruction + after.Kl:F2}");
        Assert.Equal(5, history.Epochs.Count);
        Assert.Equal(5, reports.Count(r => r.Finished is not null));
        Assert.True(reports.Count > 5, "progress should also be reported within epochs");
        Assert.Contains("epoch 5/5", reports[^1].ToString());
        Assert.Null(history.Last.TestNegativeElbo);
    }

    [Fact]
    public void CheckpointRoundTripGivesIdenticalOutputs()
    {
        string dir = Directory.CreateTempSubdirectory("vae-ckpt").FullName;
        try
        {
            manual_seed(5);
            var a = Vae.Mlp(inputSize: 64, hidden: new[] { 32 }, latentSize: 4);
            new Trainer(a, new TrainerOptions { Epochs = 1, BatchSize = 32 }).Fit(Blobs(128, 2));
            string path = Path.Combine(dir, "model.safetensors");
            Checkpoint.Save(a, path);
            manual_seed(99);
            var b = Vae.Mlp(inputSize: 64, hidden: new[] { 32 }, latentSize: 4);
            var x = Blobs(16, 3);
            Assert.False(allclose(a.Reconstruct(x), b.Reconstruct(x)));
            Checkpoint.Load(b, path);
            Assert.True(allclose(a.Reconstruct(x), b.Reconstruct(x), rtol: 0, atol: 0));
            Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void DivergenceStopsWithEpochBatchAndCause()
    {
        manual_seed(2);
        var model = Vae.Mlp(inputSize: 64, hidden: new[] { 32 }, latentSize: 4, likelihood: new GaussianLikelihood(0.01));
        var trainer = new Trainer(model, new TrainerOptions { Epochs = 50, BatchSize = 16, LearningRate = 1e6 });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(Blobs(256, 4) * 1000));
        Assert.Contains("learning rate", e.Message);
        Assert.Contains($"epoch {e.Epoch}, batch {e.Batch}", e.Message);
        Assert.All(model.parameters(), p => Assert.True(isfinite(p).all().item<bool>()));
    }

    [Fact]
    public void BadOptionsAreRejectedBeforeAnyWork()
    {
        var model = Vae.Mlp(inputSize: 8, hidden: new[] { 4 }, latentSize: 2);
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, new TrainerOptions { BatchSize = 0 })).ParamName);
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, new TrainerOptions { LearningRate = double.NaN })).ParamName);
        Assert.Equal("Beta", Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, new TrainerOptions { Beta = -1 })).ParamName);
        Assert.Equal("Epochs", Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, new TrainerOptions { Epochs = 0 })).ParamName);
        var trainer = new Trainer(model);
        Assert.Throws<ArgumentException>(() => trainer.Fit(zeros(4, 8, 1)));
        Assert.Throws<ArgumentException>(() => trainer.Fit(zeros(new long[] { 4, 8 }, dtype: ScalarType.Byte)));
    }

    /// <summary>
    /// One SGD step of the trainer on a batch of identical rows (so the batch order cannot matter) equals a step on
    /// mean(Reconstruction + w * KL) computed by hand with the same noise, where w is Beta, scaled by the warm-up.
    /// </summary>
    [Theory]
    [InlineData(0.5, 0.0, 0.5)]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(2.0, 4.0, 0.5)]   // one step per epoch: the first step of a 4-epoch warm-up weighs the KL by 2 * 1/4
    public void TheObjectiveWeighsTheKlTermByBetaAndTheWarmUp(double beta, double warmupEpochs, double weight)
    {
        var x = rand(new long[] { 1, 12 }, generator: new Generator(4)).expand(8, 12).contiguous();
        const double lr = 0.1;
        manual_seed(3);
        var byHand = Vae.Mlp(inputSize: 12, hidden: new[] { 6 }, latentSize: 2);
        manual_seed(3);
        var trained = Vae.Mlp(inputSize: 12, hidden: new[] { 6 }, latentSize: 2);

        manual_seed(17);
        var terms = byHand.forward(x);
        (terms.Reconstruction + weight * terms.Kl).mean().backward();
        var expected = byHand.parameters().Select(p => (p.detach() - lr * p.grad!).clone()).ToList();

        new Trainer(trained, new TrainerOptions
        {
            Epochs = 1, BatchSize = 8, Beta = beta, KlWarmupEpochs = warmupEpochs, Seed = 17,
            Optimizer = (parameters, rate) => optim.SGD(parameters, rate), LearningRate = lr,
        }).Fit(x);
        var actual = trained.parameters().ToList();
        for (int i = 0; i < expected.Count; i++)
            Assert.True(allclose(expected[i], actual[i], rtol: 1e-5, atol: 1e-6), $"parameter {i} after one step with Beta = {beta}, warm-up {warmupEpochs}");
    }
}
