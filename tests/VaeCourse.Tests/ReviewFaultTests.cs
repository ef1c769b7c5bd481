using TorchSharp;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Tests;

/// <summary>Faults found in a review of the library, each pinned by a test that failed before its fix.</summary>
public class ReviewFaultTests
{
    public ReviewFaultTests() => Course.Setup(seed: 0);

    private static Tensor Data(int n, int d, long seed) =>
        rand(new long[] { n, d }, generator: new Generator((ulong)seed));

    [Fact]
    public void AFloat64ModelTrainsAndSamplesInFloat64()
    {
        manual_seed(3);
        var model = Vae.Mlp(inputSize: 16, hidden: new[] { 8 }, latentSize: 2);
        model.to(float64);
        var data = Data(64, 16, 1).to(float64);
        var history = new Trainer(model, new TrainerOptions { Epochs = 2, BatchSize = 16 }).Fit(data, data);
        Assert.Equal(2, history.Epochs.Count);
        Assert.True(double.IsFinite(history.Last.TestNegativeElbo!.Value));
        Assert.All(model.parameters(), p => Assert.Equal(float64, p.dtype));
        Assert.Equal(float64, model.Sample(3, new Generator(1)).dtype);
    }

    [Fact]
    public void ConditionalVaeTakesIntegerLabelsOfAnyWidth()
    {
        manual_seed(4);
        var model = ConditionalVae.Mlp(dataSize: 8, classes: 3, hidden: new[] { 8 }, latentSize: 2);
        var x = Data(6, 8, 2);
        var expected = model.Join(x, tensor(new long[] { 0, 1, 2, 0, 1, 2 }));
        foreach (var type in new[] { int32, ScalarType.Byte, int16 })
        {
            var labels = tensor(new long[] { 0, 1, 2, 0, 1, 2 }).to(type);
            Assert.True(allclose(expected, model.Join(x, labels), rtol: 0, atol: 0), $"labels of type {type}");
            Assert.Equal(new long[] { 6, 8 }, model.Sample(labels, new Generator(1)).shape);
        }
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => model.Join(x, tensor(new int[] { 0, 1, 2, 3, 0, 1 })));
        Assert.Contains("found values from 0 to 3", bad.Message);
    }

    /// <summary>Two calls of one epoch each continue where the first stopped: the same as one call of two epochs.</summary>
    [Fact]
    public void ASecondFitContinuesTheBatchOrderAndNoise()
    {
        var data = Data(96, 12, 5);
        Tensor Parameters(Vae m) => cat(m.parameters().Select(p => p.detach().flatten()).ToArray());

        manual_seed(6);
        var once = Vae.Mlp(inputSize: 12, hidden: new[] { 8 }, latentSize: 2);
        new Trainer(once, new TrainerOptions { Epochs = 2, BatchSize = 16, Seed = 9 }).Fit(data);

        manual_seed(6);
        var twice = Vae.Mlp(inputSize: 12, hidden: new[] { 8 }, latentSize: 2);
        var trainer = new Trainer(twice, new TrainerOptions { Epochs = 1, BatchSize = 16, Seed = 9 });
        trainer.Fit(data);
        trainer.Fit(data);

        Assert.True(allclose(Parameters(once), Parameters(twice), rtol: 0, atol: 0),
            "two one-epoch Fit calls should give the parameters of one two-epoch call");
    }

    /// <summary>The batch order comes from a stream of its own, not from the generator that draws the reparameterisation noise.</summary>
    [Fact]
    public void BatchOrderIsNotDrawnFromTheNoiseStream()
    {
        const int n = 40;
        var data = arange(n, dtype: float32).unsqueeze(1).expand(n, 4).contiguous();
        var recorder = new OrderRecorder();
        new Trainer(recorder, new TrainerOptions { Epochs = 1, BatchSize = n, Seed = 11 }).Fit(data);
        var order = recorder.FirstColumn!;
        using var sameSeed = new Generator(11);
        var fromSeed = randperm(n, generator: sameSeed).to(float32);
        manual_seed(11);
        var fromGlobal = randperm(n).to(float32);
        Assert.Equal(n, order.unique().Item1.shape[0]);
        Assert.False(allclose(order, fromSeed, rtol: 0, atol: 0), "the order generator must not be seeded like the global generator");
        Assert.False(allclose(order, fromGlobal, rtol: 0, atol: 0));
    }

    [Fact]
    public void ImportanceWeightedBoundEvaluatesWithoutDropout()
    {
        manual_seed(7);
        var model = Vae.Mult(items: 30, hidden: 16, latentSize: 4, dropout: 0.5);
        var clicks = (Data(5, 30, 3) > 0.7).to(float32);
        model.train();
        manual_seed(1);
        var inTraining = ImportanceWeighted.LogLikelihood(model, clicks, k: 4);
        Assert.True(model.training, "the caller's mode is restored");
        model.eval();
        manual_seed(1);
        var inEval = ImportanceWeighted.LogLikelihood(model, clicks, k: 4);
        Assert.True(allclose(inTraining, inEval, rtol: 1e-6, atol: 1e-6), "the bound must not depend on dropout");
    }

    [Fact]
    public void GaussianLogDensityStaysFiniteForTinyVariances()
    {
        var mu = tensor(new float[] { 0.5f, -1f });
        var logVar = tensor(new float[] { -200f, -150f });
        var z = mu.clone();
        var density = Gaussian.LogDensity(z, mu, logVar);
        Assert.True(isfinite(density).all().item<bool>(), $"log density {string.Join(", ", density.data<float>().ToArray())}");
        double expected = -0.5 * (-200 - 150 + 2 * Math.Log(2 * Math.PI));
        Assert.Equal(expected, density.item<float>(), 3);
    }

    /// <summary>A one-parameter model that records the first feature of the rows of its first batch.</summary>
    private sealed class OrderRecorder : LatentModel
    {
        private readonly TorchSharp.Modules.Parameter weight = Parameter(ones(1));
        public OrderRecorder() : base(nameof(OrderRecorder), latentSize: 1) => RegisterComponents();
        public Tensor? FirstColumn { get; private set; }
        protected override LossTerms Losses(Tensor x)
        {
            FirstColumn ??= x.select(1, 0).detach().clone().DetachFromDisposeScope();
            var loss = (x.sum(1) * 0 + weight.square()).contiguous();
            return new LossTerms(loss, zeros_like(loss));
        }
    }
}
