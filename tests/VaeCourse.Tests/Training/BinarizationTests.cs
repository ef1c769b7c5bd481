using System.Diagnostics;
using TorchSharp;
using VaeCourse.Data;
using VaeCourse.Model;
using VaeCourse.Tests.Data;
using VaeCourse.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeCourse.Tests.Training;

/// <summary>
/// Binarized data: a fixed, seeded binarization of an image set (<see cref="ImageData.Binarize(long)"/>) and dynamic
/// binarization in the trainer (<see cref="Binarization.Dynamic"/>), and the Bernoulli ELBO on binary data.
/// </summary>
[Trait("Category", "Slow")]
public class BinarizationTests(ITestOutputHelper output)
{
    private const int Pixels = 64;

    /// <summary>Grey levels in [0, 1], every value from 0 to 1 present, with ten labels.</summary>
    private static ImageData GreyImages(int count, long seed = 3)
    {
        using var g = new Generator((ulong)seed);
        var images = rand(new long[] { count, Pixels }, generator: g).pow(2);
        var labels = randint(0, 10, new long[] { count }, generator: g);
        return new ImageData(images, labels, 8, Datasets.FashionMnistClasses);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static void AssertBinary(Tensor t) =>
        Assert.True(t.eq(0).logical_or(t.eq(1)).all().item<bool>(), "values other than exactly 0 and 1");

    [Fact]
    public void AFixedBinarizationIsBinaryWithTheGreyLevelsMeanAndTheSameForTheSameSeed()
    {
        Course.Setup(seed: 0);
        var grey = GreyImages(2000);
        var binary = grey.Binarize(seed: 7);
        AssertBinary(binary.Images);
        Assert.Equal(grey.Images.dtype, binary.Images.dtype);
        Assert.True(Same(grey.Labels, binary.Labels));
        Assert.Equal(grey.Side, binary.Side);

        // Each pixel is Bernoulli(x_d): the mean of the draws has variance sum x_d (1 - x_d) / N^2.
        double n = grey.Images.numel();
        double greyMean = grey.Images.to(float64).mean().item<double>();
        double sd = Math.Sqrt((grey.Images.to(float64) * (1 - grey.Images.to(float64))).sum().item<double>()) / n;
        double binaryMean = binary.Images.to(float64).mean().item<double>();
        Assert.True(Math.Abs(binaryMean - greyMean) < 4 * sd, $"binary mean {binaryMean}, grey mean {greyMean}, sd {sd}");
        // Pixels with high grey levels come out 1 more often than pixels with low ones.
        var bright = grey.Images > 0.9;
        var dark = grey.Images < 0.1;
        Assert.True(binary.Images.masked_select(bright).mean().item<float>() > 0.9f);
        Assert.True(binary.Images.masked_select(dark).mean().item<float>() < 0.1f);

        Assert.True(Same(grey.Binarize(seed: 7).Images, binary.Images), "the same seed gave other images");
        Assert.False(Same(grey.Binarize(seed: 8).Images, binary.Images), "another seed gave the same images");
        // A smaller test limit gives the same first images.
        var firstTen = new ImageData(grey.Images.narrow(0, 0, 10), grey.Labels.narrow(0, 0, 10), 8, grey.ClassNames).Binarize(seed: 7);
        Assert.True(Same(firstTen.Images, binary.Images.narrow(0, 0, 10)));
    }

    [FashionMnistFact]
    public void EveryLoadOfFashionMnistGivesTheSameBinaryTestImagesForASeed()
    {
        Course.Setup(seed: 0);
        var a = Datasets.Load(trainLimit: 1, testLimit: 1000).Test;
        manual_seed(123); // the global generator plays no part
        var first = a.Binarize(seed: 0);
        var again = Datasets.Load(trainLimit: 1, testLimit: 1000).Test.Binarize(seed: 0);
        var fewer = Datasets.Load(trainLimit: 1, testLimit: 200).Test.Binarize(seed: 0);
        AssertBinary(first.Images);
        Assert.True(Same(first.Images, again.Images));
        Assert.True(Same(first.Images.narrow(0, 0, 200), fewer.Images));
        double n = a.Images.numel();
        var grey = a.Images.to(float64);
        double sd = Math.Sqrt((grey * (1 - grey)).sum().item<double>()) / n;
        Assert.True(Math.Abs(first.Images.to(float64).mean().item<double>() - grey.mean().item<double>()) < 4 * sd);
    }

    [Fact]
    public void BinarizingValuesOutsideTheUnitIntervalIsRefusedWithTheRange()
    {
        Course.Setup(seed: 0);
        var bad = new ImageData(ones(2, Pixels) * 255, zeros(2, dtype: int64), 8, Datasets.FashionMnistClasses);
        var e = Assert.Throws<ArgumentException>(() => bad.Binarize(seed: 0));
        Assert.Contains("255", e.Message);
        Assert.Contains("[0, 1]", e.Message);
        var trainer = new Trainer(Vae.Mlp(Pixels, new[] { 8 }, 2), new TrainerOptions { Epochs = 1, Binarization = Binarization.Dynamic });
        e = Assert.Throws<ArgumentException>(() => trainer.Fit(bad.Images));
        Assert.Contains("train", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { Binarization = (Binarization)7 }.Validate());
    }

    /// <summary>A "model" that records the batches the trainer gives it; its loss is a squared error against one parameter.</summary>
    private sealed class RecordingModel : LatentModel
    {
        private readonly TorchSharp.Modules.Parameter center = Parameter(zeros(Pixels));
        public readonly List<Tensor> Batches = new();

        public RecordingModel() : base(nameof(RecordingModel), latentSize: 1) => RegisterComponents();

        protected override LossTerms Losses(Tensor x)
        {
            if (training) Batches.Add(x.detach().clone().DetachFromDisposeScope());
            return new LossTerms((x - center).square().sum(-1), zeros(x.shape[0]));
        }
    }

    [Fact]
    public void DynamicBinarizationDrawsEveryBatchAfreshEachEpochWithoutChangingTheOrder()
    {
        Course.Setup(seed: 0);
        // Each row one grey level, so a row is recognisable after binarization by its mean.
        var levels = linspace(0.05, 0.95, 20, dtype: float32);
        var data = levels.unsqueeze(1).expand(20, Pixels).contiguous();
        List<Tensor> Run(Binarization binarization)
        {
            var model = new RecordingModel();
            new Trainer(model, new TrainerOptions { Epochs = 3, BatchSize = 20, Seed = 4, Binarization = binarization }).Fit(data);
            return model.Batches;
        }
        var plain = Run(Binarization.None);
        var binary = Run(Binarization.Dynamic);
        Assert.Equal(3, binary.Count);
        foreach (var b in binary) AssertBinary(b);
        // A new epoch draws differently, also for the same image (rows sorted back to image order by the plain run's grey levels).
        var orders = plain.Select(p => p.select(1, 0).argsort()).ToList();
        var sorted = binary.Zip(orders, (b, o) => b.index_select(0, o)).ToList();
        Assert.False(Same(sorted[0], sorted[1]));
        Assert.False(Same(sorted[1], sorted[2]));
        // Same batch order as without binarization: each row's binary mean follows its grey level.
        for (int e = 0; e < 3; e++)
        {
            var rowMeans = binary[e].mean(new long[] { 1 });
            double correlation = corrcoef(stack(new[] { rowMeans, plain[e].select(1, 0) })).data<float>()[1];
            Assert.True(correlation > 0.9, $"epoch {e + 1}: binary rows do not follow the grey levels of the same batch order (r = {correlation})");
        }
        // Different images of the same grey level are drawn independently: the empirical mean over all epochs matches.
        var all = cat(sorted, 0).to(float64);
        double sd = Math.Sqrt((levels.to(float64) * (1 - levels.to(float64))).sum().item<double>() * 3 * Pixels) / all.numel();
        Assert.True(Math.Abs(all.mean().item<double>() - levels.to(float64).mean().item<double>()) < 4 * sd);
        // With the same seed, the same draws.
        Assert.True(Run(Binarization.Dynamic).Zip(binary).All(p => Same(p.First, p.Second)));
    }

    [Fact]
    public void OnBinaryDataTheVaeReportsTheBernoulliElboOfAHandComputation()
    {
        Course.Setup(seed: 0);
        manual_seed(6);
        var model = Vae.Mlp(Pixels, new[] { 16 }, 3);
        model.eval();
        var x = GreyImages(12).Binarize(seed: 1).Images;
        manual_seed(9);
        var reported = model.forward(x).NegativeElbo().to(float64).data<double>().ToArray();

        manual_seed(9); // the same noise: eps ~ N(0, I) with the shape of mu, drawn once
        double[] mu, logVar, p;
        using (no_grad())
        {
            var (m, lv) = model.Encode(x);
            var z = m + (0.5 * lv).exp() * randn_like(m);
            p = model.Decoder.forward(z).to(float64).sigmoid().data<double>().ToArray();
            mu = m.to(float64).data<double>().ToArray();
            logVar = lv.to(float64).data<double>().ToArray();
        }
        var pixels = x.data<float>().ToArray();
        for (int i = 0; i < 12; i++)
        {
            // -log P(x | z): a sum of log probabilities of binary outcomes, each pixel on with probability p_d.
            double logP = 0;
            for (int d = 0; d < Pixels; d++)
                logP += pixels[i * Pixels + d] == 1 ? Math.Log(p[i * Pixels + d]) : Math.Log(1 - p[i * Pixels + d]);
            double kl = 0;
            for (int j = 0; j < 3; j++)
            {
                double m = mu[i * 3 + j], v = logVar[i * 3 + j];
                kl += 0.5 * (m * m + Math.Exp(v) - 1 - v);
            }
            Assert.Equal(-logP + kl, reported[i], 1e-3);
        }
    }

    [Fact]
    public void OnBinaryDataTheBernoulliLikelihoodSumsToOneOverAllImages()
    {
        // Four pixels: the 16 binary images' probabilities under one decoder output add up to 1.
        Course.Setup(seed: 0);
        var logits = randn(1, 4) * 2;
        var images = tensor(Enumerable.Range(0, 16).SelectMany(k => Enumerable.Range(0, 4).Select(d => (float)((k >> d) & 1))).ToArray(), new long[] { 16, 4 });
        double total = new BernoulliLikelihood().LogProb(images, logits.expand(16, 4)).to(float64).exp().sum().item<double>();
        Assert.Equal(1.0, total, 1e-6);
    }

    private static long ResidentBytes() => TrainerTests.ResidentBytes();

    [Fact]
    public void ResidentMemoryStaysFlatOverEpochsOfDynamicBinarization()
    {
        // A short version of TrainerTests' soak test: 15 epochs of 30 steps. Leaking the binary batch of each step would
        // add 30 x 100 x 784 x 4 bytes = 9.4 MB per epoch, 113 MB over the 12 measured epochs.
        Course.Setup(seed: 0, threads: 1);
        try
        {
            const int examples = 3000, features = 784, batch = 100, epochs = 15, measuredFrom = 3;
            manual_seed(0);
            var model = Vae.Mlp(features, new[] { 64 }, 4);
            using var g = new Generator(1);
            var train = rand(new long[] { examples, features }, generator: g);
            var resident = new List<long>();
            var clock = Stopwatch.StartNew();
            new Trainer(model, new TrainerOptions { Epochs = epochs, BatchSize = batch, Binarization = Binarization.Dynamic, ProgressInterval = TimeSpan.MaxValue })
                .Fit(train, progress: p => { if (p.Finished is not null) resident.Add(ResidentBytes()); });
            long leakPerEpoch = (long)(examples / batch) * batch * features * sizeof(float);
            long baseline = resident[measuredFrom - 1], last = resident[^1];
            output.WriteLine($"{epochs} epochs in {clock.Elapsed.TotalSeconds:F1} s; resident after epoch {measuredFrom} {baseline / 1e6:F1} MB, " +
                             $"after epoch {epochs} {last / 1e6:F1} MB; a per-step batch leak would add {leakPerEpoch / 1e6:F1} MB per epoch");
            // Flat: less growth than a quarter of what the leak would add, whatever the process held before this test.
            long allowed = leakPerEpoch * (epochs - measuredFrom) / 4;
            Assert.True(last - baseline <= allowed,
                $"resident memory grew from {baseline / 1e6:F1} MB to {last / 1e6:F1} MB, more than {allowed / 1e6:F1} MB");
        }
        finally
        {
            Course.Setup(seed: 0);
        }
    }
}
