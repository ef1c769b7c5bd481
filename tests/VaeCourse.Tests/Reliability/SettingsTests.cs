using TorchSharp;
using VaeCourse.Data;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Reliability;

/// <summary>
/// Every public entry point rejects bad settings before any work with an <see cref="ArgumentException"/>
/// (or a subclass) whose ParamName is the setting and whose message names it and the allowed range.
/// One theory per entry point; the cases are the bad values.
/// </summary>
public sealed class SettingsTests
{
    public SettingsTests() => Course.Setup(seed: 0);

    /// <summary>Runs <paramref name="act"/>, expects an ArgumentException for <paramref name="param"/> whose message mentions each of <paramref name="mentions"/>.</summary>
    private static ArgumentException Rejects(Action act, string param, params string[] mentions)
    {
        var e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Equal(param, e.ParamName);
        foreach (string m in mentions)
            Assert.Contains(m, e.Message);
        return e;
    }

    private const string AtLeast1 = "must be at least 1";

    [Theory]
    [InlineData(0, 400, 20, "inputSize")]
    [InlineData(-784, 400, 20, "inputSize")]
    [InlineData(784, 0, 20, "hidden")]
    [InlineData(784, -1, 20, "hidden")]
    [InlineData(784, 400, 0, "latentSize")]
    [InlineData(784, 400, -2, "latentSize")]
    public void Vae_Mlp(int inputSize, int hidden, int latentSize, string param) =>
        Rejects(() => Vae.Mlp(inputSize, new[] { hidden }, latentSize), param, param, AtLeast1);

    [Theory]
    [InlineData(0, 32, "latentSize")]
    [InlineData(-1, 32, "latentSize")]
    [InlineData(20, 0, "channels")]
    [InlineData(20, -8, "channels")]
    public void Vae_Conv(int latentSize, int channels, string param) =>
        Rejects(() => Vae.Conv(latentSize, channels), param, param, AtLeast1);

    [Theory]
    [InlineData("encoder")]
    [InlineData("decoder")]
    [InlineData("likelihood")]
    [InlineData("latentSize")]
    public void Vae_constructor(string param)
    {
        var encoder = new MlpEncoder(8, new[] { 4 }, 2);
        var decoder = new MlpDecoder(2, new[] { 4 }, 8);
        var likelihood = new BernoulliLikelihood();
        Rejects(() => new Vae(param == "encoder" ? null! : encoder, param == "decoder" ? null! : decoder,
            param == "likelihood" ? null! : likelihood, param == "latentSize" ? 0 : 2), param, param);
    }

    [Theory]
    [InlineData(0, 4, 2, "inputSize")]
    [InlineData(8, 0, 2, "hidden")]
    [InlineData(8, 4, 0, "latentSize")]
    public void MlpEncoder_constructor(int inputSize, int hidden, int latentSize, string param) =>
        Rejects(() => new MlpEncoder(inputSize, new[] { hidden }, latentSize), param, param, AtLeast1);

    [Theory]
    [InlineData(0, 4, 8, "latentSize")]
    [InlineData(2, 0, 8, "hidden")]
    [InlineData(2, 4, 0, "outputSize")]
    public void MlpDecoder_constructor(int latentSize, int hidden, int outputSize, string param) =>
        Rejects(() => new MlpDecoder(latentSize, new[] { hidden }, outputSize), param, param, AtLeast1);

    [Theory]
    [InlineData(0, 8, "latentSize")]
    [InlineData(2, 0, "channels")]
    public void ConvEncoder_and_ConvDecoder_constructors(int latentSize, int channels, string param)
    {
        Rejects(() => new ConvEncoder(latentSize, channels), param, param, AtLeast1);
        Rejects(() => new ConvDecoder(latentSize, channels), param, param, AtLeast1);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void GaussianLikelihood_constructor(double sigma) =>
        Rejects(() => new GaussianLikelihood(sigma), "sigma", "sigma", "positive finite");

    [Theory]
    [InlineData("bernoulli", 10, 12)]
    [InlineData("gaussian", 10, 12)]
    [InlineData("gaussian", 784, 1024)]
    public void Likelihood_LogProb(string kind, int features, int produced)
    {
        ILikelihood likelihood = kind == "bernoulli" ? new BernoulliLikelihood() : new GaussianLikelihood();
        Rejects(() => likelihood.LogProb(rand(3, features), randn(3, produced)), "x", $"{features} features", $"has {produced}");
    }

    [Theory]
    [InlineData(0, 2, 128, "inputSize")]
    [InlineData(20, 0, 128, "latentSize")]
    [InlineData(20, 2, 0, "hiddenUnits")]
    public void Autoencoder_Article(int inputSize, int latentSize, int hiddenUnits, string param) =>
        Rejects(() => Autoencoder.Article(inputSize, latentSize, hiddenUnits), param, param, AtLeast1);

    [Theory]
    [InlineData(0, 400, 2, "inputSize")]
    [InlineData(784, 0, 2, "hidden")]
    [InlineData(784, 400, 0, "latentSize")]
    [InlineData(784, 400, -1, "latentSize")]
    public void Autoencoder_Mlp(int inputSize, int hidden, int latentSize, string param) =>
        Rejects(() => Autoencoder.Mlp(inputSize, new[] { hidden }, latentSize), param, param, AtLeast1);

    [Theory]
    [InlineData("encoder")]
    [InlineData("decoder")]
    [InlineData("latentSize")]
    public void Autoencoder_constructor(string param) =>
        Rejects(() => new Autoencoder(param == "encoder" ? null! : nn.Linear(4, 2), param == "decoder" ? null! : nn.Linear(2, 4),
            param == "latentSize" ? 0 : 2), param, param);

    [Theory]
    [InlineData(784, 1024)] // 32x32 images into a 28x28 model
    [InlineData(784, 100)]
    [InlineData(20, 784)]
    public void Model_input_size_is_checked_by_every_model_entry_point(int modelInput, int dataFeatures)
    {
        var vae = Vae.Mlp(modelInput, new[] { 8 }, 2);
        var ae = Autoencoder.Mlp(modelInput, new[] { 8 }, 2);
        var x = rand(4, dataFeatures);
        string[] sizes = { $"{dataFeatures} values per example", $"input size is {modelInput}" };
        Rejects(() => vae.forward(x), "x", sizes);
        Rejects(() => vae.Encode(x), "x", sizes);
        Rejects(() => vae.Reconstruct(x), "x", sizes);
        Rejects(() => vae.call(x), "x", sizes);
        Rejects(() => ImportanceWeighted.LogLikelihood(vae, x, k: 5), "x", sizes);
        Rejects(() => ImportanceWeighted.Mean(vae, x, k: 5), "data", sizes);
        Rejects(() => ae.forward(x), "x", sizes);
        Rejects(() => ae.Encode(x), "x", sizes);
        if (modelInput == 784)
            Rejects(() => Vae.Conv(latentSize: 2, channels: 4).Encode(x), "x", sizes);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(20, 2)]
    public void Decoding_checks_the_latent_size(int latentSize, int given)
    {
        string[] sizes = { $"{given} values per example", $"latent size is {latentSize}" };
        Rejects(() => Vae.Mlp(16, new[] { 8 }, latentSize).Decode(randn(5, given)), "z", sizes);
        Rejects(() => Autoencoder.Mlp(16, new[] { 8 }, latentSize).Decode(randn(5, given)), "z", sizes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    public void Vae_Sample(int count) =>
        Rejects(() => Vae.Mlp(16, new[] { 8 }, 2).Sample(count), "count", "count", AtLeast1);

    [Theory]
    [InlineData(0, 100, 250, "k")]
    [InlineData(-1, 100, 250, "k")]
    [InlineData(10, 0, 250, "chunk")]
    [InlineData(10, 100, 0, "batchSize")]
    public void ImportanceWeighted_Mean(int k, int chunk, int batchSize, string param)
    {
        var model = Vae.Mlp(16, new[] { 8 }, 2);
        Rejects(() => ImportanceWeighted.Mean(model, rand(10, 16), k, batchSize, chunk), param, param, AtLeast1);
        Assert.True(model.training, "a rejected call must not leave the model in evaluation mode");
    }

    [Theory]
    [InlineData(0, 100, "k")]
    [InlineData(-5, 100, "k")]
    [InlineData(10, 0, "chunk")]
    public void ImportanceWeighted_LogLikelihood(int k, int chunk, string param) =>
        Rejects(() => ImportanceWeighted.LogLikelihood(Vae.Mlp(16, new[] { 8 }, 2), rand(3, 16), k, chunk), param, param, AtLeast1);

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void KlDivergence_MonteCarlo(int samples) =>
        Rejects(() => KlDivergence.MonteCarlo(zeros(2, 3), zeros(2, 3), samples), "samples", "samples", AtLeast1);

    [Theory]
    [InlineData(new long[] { 2, 3 }, new long[] { 2, 4 })]
    [InlineData(new long[] { 2, 3 }, new long[] { 3 })]
    public void KlDivergence_and_Reparameterize_need_matching_mu_and_logVar(long[] mu, long[] logVar)
    {
        Rejects(() => KlDivergence.Closed(zeros(mu), zeros(logVar)), "logVar", "same shape");
        Rejects(() => KlDivergence.MonteCarlo(zeros(mu), zeros(logVar), 10), "logVar", "same shape");
        Rejects(() => Reparameterize.Sample(zeros(mu), zeros(logVar)), "logVar", "same shape");
        Rejects(() => Reparameterize.Sample(zeros(mu), zeros(logVar), 3), "logVar", "same shape");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Reparameterize_Sample_k(int k) =>
        Rejects(() => Reparameterize.Sample(zeros(2, 3), zeros(2, 3), k), "k", "k (samples per example)", AtLeast1);

    public static TheoryData<string, TrainerOptions, string> BadOptions => new()
    {
        { "Epochs", new TrainerOptions { Epochs = 0 }, AtLeast1 },
        { "Epochs", new TrainerOptions { Epochs = -5 }, AtLeast1 },
        { "BatchSize", new TrainerOptions { BatchSize = 0 }, AtLeast1 },
        { "EvaluationBatchSize", new TrainerOptions { EvaluationBatchSize = 0 }, AtLeast1 },
        { "LearningRate", new TrainerOptions { LearningRate = 0 }, "positive finite" },
        { "LearningRate", new TrainerOptions { LearningRate = -1e-3 }, "positive finite" },
        { "LearningRate", new TrainerOptions { LearningRate = double.NaN }, "positive finite" },
        { "LearningRate", new TrainerOptions { LearningRate = double.PositiveInfinity }, "positive finite" },
        { "Beta", new TrainerOptions { Beta = -0.5 }, "0 or more" },
        { "Beta", new TrainerOptions { Beta = double.NaN }, "0 or more" },
        { "Beta", new TrainerOptions { Beta = double.PositiveInfinity }, "0 or more" },
        { "ProgressInterval", new TrainerOptions { ProgressInterval = TimeSpan.FromSeconds(-1) }, "must not be negative" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Trainer_constructor_validates_TrainerOptions(string param, TrainerOptions options, string range)
    {
        Rejects(() => new Trainer(Vae.Mlp(8, new[] { 4 }, 2), options), param, param, range);
        Rejects(options.Validate, param, param, range);
    }

    [Fact]
    public void Trainer_constructor_needs_a_model() =>
        Rejects(() => new Trainer(null!), "model");

    [Theory]
    [InlineData(784, 1024, "train")]
    [InlineData(784, 100, "train")]
    [InlineData(20, 784, "test")]
    public void Trainer_Fit_rejects_data_that_does_not_fit_the_model_before_training(int modelInput, int features, string which)
    {
        foreach (var model in new LatentModel[] { Vae.Mlp(modelInput, new[] { 8 }, 2), Autoencoder.Mlp(modelInput, new[] { 8 }, 2) })
        {
            var before = model.parameters().Select(p => p.detach().clone()).ToList();
            var trainer = new Trainer(model, new TrainerOptions { Epochs = 1, BatchSize = 4 });
            var good = rand(8, modelInput);
            var bad = rand(8, features);
            int reports = 0;
            var e = Rejects(() => trainer.Fit(which == "train" ? bad : good, which == "test" ? bad : null, _ => reports++),
                which, $"{features} values per example", $"input size is {modelInput}");
            Assert.Contains($"shape [8, {features}]", e.Message);
            Assert.Equal(0, reports);
            Assert.All(model.parameters().Zip(before), pair => Assert.True(Bits.Same(pair.First, pair.Second), "a rejected Fit changed the model"));
        }
    }

    [Fact]
    public void Trainer_Fit_rejects_test_data_of_another_width_even_for_models_of_unknown_input_size()
    {
        var model = new Vae(new MlpEncoder(8, new[] { 4 }, 2), new MlpDecoder(2, new[] { 4 }, 8), new BernoulliLikelihood(), 2);
        Assert.Null(model.InputSize);
        Rejects(() => new Trainer(model).Fit(rand(8, 8), rand(4, 9)), "test", "test has 9 features", "train has 8");
    }

    [Theory]
    [InlineData("3-D")]
    [InlineData("1-D")]
    [InlineData("no examples")]
    [InlineData("bytes")]
    public void Trainer_Fit_and_Evaluate_reject_malformed_data(string what)
    {
        var data = what switch
        {
            "3-D" => zeros(4, 8, 1),
            "1-D" => zeros(8),
            "no examples" => zeros(0, 8),
            _ => zeros(new long[] { 4, 8 }, dtype: ScalarType.Byte),
        };
        var model = Vae.Mlp(8, new[] { 4 }, 2);
        Rejects(() => new Trainer(model).Fit(data), "train", "train");
        Rejects(() => new Trainer(model).Fit(rand(4, 8), data), "test", "test");
        Rejects(() => Trainer.Evaluate(model, data), "data", "data");
    }

    [Theory]
    [InlineData(0, 16, "batchSize")]
    [InlineData(-1, 16, "batchSize")]
    [InlineData(100, 12, "data")]
    public void Trainer_Evaluate(int batchSize, int features, string param) =>
        Rejects(() => Trainer.Evaluate(Vae.Mlp(16, new[] { 8 }, 2), rand(5, features), batchSize), param, param);

    [Theory]
    [InlineData("cifar-10")]
    [InlineData("")]
    [InlineData("fashion_mnist")]
    [InlineData(null)]
    public void Datasets_Load_rejects_unknown_names_listing_the_known_ones(string? name) =>
        Rejects(() => Datasets.Load(name!, options: NoSources), "name", "Unknown dataset", "'fashion-mnist'", "'mnist'");

    [Theory]
    [InlineData(0, null, "trainLimit")]
    [InlineData(-100, null, "trainLimit")]
    [InlineData(null, 0, "testLimit")]
    [InlineData(null, -1, "testLimit")]
    public void Datasets_Load_rejects_limits_below_1_before_looking_for_files(int? trainLimit, int? testLimit, string param) =>
        Rejects(() => Datasets.Load(DatasetCatalog.FashionMnist, trainLimit, testLimit, NoSources), param, param, AtLeast1);

    /// <summary>Options under which any lookup would fail: the checks must come first.</summary>
    private static readonly DatasetResolverOptions NoSources = new()
    {
        GetEnvironmentVariable = _ => null,
        CacheDirectory = Path.Combine(Path.GetTempPath(), "vae-settings-tests-no-such-folder"),
        SystemDirectories = [],
        AllowDownload = false,
    };

    [Theory]
    [InlineData("spirals", 100, "kind")]
    [InlineData("", 100, "kind")]
    [InlineData("moons", -1, "count")]
    public void Datasets_Points2D(string kind, int count, string param) =>
        Rejects(() => Datasets.Points2D(kind, count), param, param);

    [Theory]
    [InlineData(784, 0, "side")]
    [InlineData(1024, 28, "side")]   // 32x32 images described as 28x28
    [InlineData(784, 32, "side")]
    public void ImageData_constructor_checks_the_image_size(int features, int side, string param) =>
        Rejects(() => new ImageData(zeros(3, features), zeros(new long[] { 3 }, dtype: int64), side, Datasets.FashionMnistClasses), param, param);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ImageData_FromIdx_limit(int limit) =>
        Rejects(() => ImageData.FromIdx(new IdxImages(new byte[8], new byte[2], 2, 2), Datasets.MnistClasses, limit), "limit", "limit", AtLeast1);

    [Theory]
    [InlineData(0, 28, 784, "columns")]
    [InlineData(8, 0, 784, "side")]
    [InlineData(8, 28, 1024, "images")]
    [InlineData(8, 32, 784, "images")]
    public void Charts_ImageGrid(int columns, int side, int features, string param) =>
        Rejects(() => Charts.ImageGrid(rand(4, features), columns, side: side), param, param);

    [Fact]
    public void Charts_ImageGrid_needs_at_least_one_image() =>
        Rejects(() => Charts.ImageGrid(zeros(0, 784)), "images", "at least one");

    [Theory]
    [InlineData(1, 28, "size")]
    [InlineData(0, 28, "size")]
    [InlineData(5, 0, "side")]
    public void Charts_LatentManifold(int size, int side, string param)
    {
        int decoded = 0;
        Rejects(() => Charts.LatentManifold(z => { decoded++; return rand(z.shape[0], 784); }, size, side: side), param, param);
        Assert.Equal(0, decoded);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void Charts_LatentScatter(int width) =>
        Rejects(() => Charts.LatentScatter(randn(5, width)), "codes", "[n, 2]");

    [Theory]
    [InlineData(3, 4)]
    [InlineData(3, 2)]
    public void Charts_Lines(int xs, int ys) =>
        Rejects(() => Charts.Lines("t", "x", "y", Enumerable.Range(0, xs).Select(i => (double)i), ("loss", Enumerable.Repeat(1.0, ys))),
            "series", "'loss'", $"{ys} values for {xs} x values");

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Charts_NormalQuantile(double p) =>
        Rejects(() => Charts.NormalQuantile(p), "p", "strictly between 0 and 1");

    [Fact]
    public void Charts_TrainingCurves_needs_a_finished_epoch() =>
        Rejects(() => Charts.TrainingCurves(new TrainingHistory()), "history", "no finished epoch");

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void Course_Setup(int threads)
    {
        int before = get_num_threads();
        Rejects(() => Course.Setup(threads: threads), "threads", "threads", AtLeast1);
        Assert.Equal(before, get_num_threads());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Checkpoint_Save_and_Load_paths(string path)
    {
        var model = Vae.Mlp(8, new[] { 4 }, 2);
        Rejects(() => Checkpoint.Save(model, path), "path");
        Rejects(() => Checkpoint.Load(model, path), "path");
        Rejects(() => Checkpoint.Save(null!, "x.bin"), "model");
        Rejects(() => Checkpoint.Load(null!, "x.bin"), "model");
    }
}
