using System.Diagnostics;
using System.Reflection;
using System.Text;
using VaeCourse.Model;
using VaeCourse.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Training;

/// <summary>
/// The model cache: a hit gives the trained parameters and the history without training; any change of what decides the
/// result misses; an interrupted save leaves no entry that loads; a damaged or foreign entry is trained again with a
/// one-line warning; VAE_FRESH ignores entries.
/// </summary>
public sealed class ModelCacheTests : IDisposable
{
    private readonly ITestOutputHelper output;
    private readonly TempFolder cache = new();
    private readonly Tensor train = Blobs(256, seed: 1);
    private readonly Tensor test = Blobs(64, seed: 2);
    private static readonly TrainerOptions Options = new() { Epochs = 2, BatchSize = 32, LearningRate = 2e-3, Seed = 3 };

    public ModelCacheTests(ITestOutputHelper output)
    {
        this.output = output;
        Course.Setup(seed: 0);
        Environment.SetEnvironmentVariable("VAE_FRESH", null);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("VAE_FRESH", null);
        cache.Dispose();
    }

    /// <summary>Two noisy binary prototypes in [0, 1], 64 features.</summary>
    private static Tensor Blobs(int n, long seed)
    {
        var g = new Generator((ulong)seed);
        var proto = (rand(new long[] { 2, 64 }, generator: g) > 0.5).to(float32);
        var pick = randint(0, 2, new long[] { n }, generator: g);
        return (proto.index_select(0, pick) * 0.8f + rand(new long[] { n, 64 }, generator: g) * 0.2f).clamp(0, 1);
    }

    private static Vae Small(long seed = 0, int hidden = 32, ILikelihood? likelihood = null)
    {
        manual_seed(seed);
        return Vae.Mlp(64, new[] { hidden }, 4, likelihood);
    }

    private (ModelCacheResult Result, int Reports) Run(LatentModel model, TrainerOptions? options = null, Tensor? trainData = null,
        Tensor? testData = null, bool noTest = false, Func<Stream, Stream>? wrap = null)
    {
        int reports = 0;
        var result = ModelCache.TrainOrLoadWith(model, options ?? Options, trainData ?? train, noTest ? null : testData ?? test,
            _ => reports++, cache.Path, wrap);
        output.WriteLine(result.ToString());
        if (result.Warning is not null) output.WriteLine("warning: " + result.Warning);
        return (result, reports);
    }

    private string[] Files() => cache.ListFiles();

    private static void AssertSameParameters(nn.Module a, nn.Module b)
    {
        foreach (var ((name, p), (_, q)) in a.state_dict().Zip(b.state_dict()))
            Assert.True(Bits.Same(p, q), $"{name} differs");
    }

    // ---------------------------------------------------------------- hits

    [Fact]
    public void A_hit_returns_the_trained_parameters_and_the_history_without_training()
    {
        var trained = Small();
        var (first, firstReports) = Run(trained);
        Assert.False(first.Loaded);
        Assert.True(first.Saved);
        Assert.Null(first.Warning);
        Assert.True(firstReports >= Options.Epochs, "the first call trains and reports progress");
        string stem = Path.GetFileNameWithoutExtension(first.CheckpointPath);
        Assert.Equal(new[] { stem + ".json", stem + Checkpoint.Extension }, Files());
        Assert.StartsWith("Vae-", stem);

        var again = Small();
        var clock = Stopwatch.StartNew();
        var (hit, hitReports) = Run(again);
        output.WriteLine($"hit in {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(hit.Loaded);
        Assert.False(hit.Saved);
        Assert.Null(hit.Warning);
        Assert.Equal(0, hitReports);
        Assert.False(again.training, "a loaded model is in evaluation mode, as after Fit");
        AssertSameParameters(trained, again);
        Assert.Equal(first.History.Epochs, hit.History.Epochs); // records compare by value, every double exactly
        Assert.Equal(first.TrainedAt, hit.TrainedAt);
        Assert.Equal(first.TrainingSeconds, hit.TrainingSeconds);
        Assert.Equal(first.CheckpointPath, hit.CheckpointPath);
        Assert.Matches(@"^loaded from the cache: Vae-[0-9a-f]{20}\.safetensors, trained \d{4}-\d\d-\d\d \d\d:\d\d UTC in \d+\.\d s$", hit.ToString());
        Assert.Matches(@"^trained in \d+\.\d s, saved to the cache: Vae-[0-9a-f]{20}\.safetensors$", first.ToString());
    }

    [Fact]
    public void The_library_identity_in_the_key_does_not_carry_the_git_commit()
    {
        // The key names the library by its module version id. A commit in the informational version would change that id
        // at every commit, one that touches only a notebook too, and every cached model would miss.
        var version = typeof(ModelCacheKey).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.False(version.Contains('+'), $"the library's informational version {version} carries build metadata (the git commit?)");
    }

    [Fact]
    public void The_progress_interval_is_not_part_of_the_key()
    {
        Run(Small());
        Assert.True(Run(Small(), Options with { ProgressInterval = TimeSpan.FromSeconds(7) }).Result.Loaded);
    }

    // ---------------------------------------------------------------- misses

    public static TheoryData<string> Changes => new()
    {
        "Epochs", "BatchSize", "LearningRate", "Beta", "KlWarmupEpochs", "Seed", "EvaluationBatchSize",
        "initial parameters", "training subset", "training data", "held-out subset", "no held-out data",
        "hidden layer", "likelihood", "likelihood's sigma", "model type", "dropout rate",
    };

    /// <summary>The model, options and data of the base run (<paramref name="change"/> null) or of the run that changes one thing.</summary>
    private (LatentModel Model, TrainerOptions Options, Tensor Train, Tensor? Test) Variant(string? change) => change switch
    {
        null => (Small(likelihood: new GaussianLikelihood(0.1)), Options, train, test),
        "Epochs" => (Small(likelihood: new GaussianLikelihood(0.1)), Options with { Epochs = 3 }, train, test),
        "BatchSize" => (Small(likelihood: new GaussianLikelihood(0.1)), Options with { BatchSize = 64 }, train, test),
        "LearningRate" => (Small(likelihood: new GaussianLikelihood(0.1)), Options with { LearningRate = 1e-3 }, train, test),
        "Beta" => (Small(likelihood: new GaussianLikelihood(0.1)), Options with { Beta = 0.5 }, train, test),
        "KlWarmupEpochs" => (Small(likelihood: new GaussianLikelihood(0.1)), Options with { KlWarmupEpochs = 1 }, train, test),
        "Seed" => (Small(likelihood: new GaussianLikelihood(0.1)), Options with { Seed = 4 }, train, test),
        "EvaluationBatchSize" => (Small(likelihood: new GaussianLikelihood(0.1)), Options with { EvaluationBatchSize = 16 }, train, test),
        "initial parameters" => (Small(seed: 1, likelihood: new GaussianLikelihood(0.1)), Options, train, test),
        "training subset" => (Small(likelihood: new GaussianLikelihood(0.1)), Options, train[..200], test),
        "training data" => (Small(likelihood: new GaussianLikelihood(0.1)), Options, Blobs(256, seed: 5), test),
        "held-out subset" => (Small(likelihood: new GaussianLikelihood(0.1)), Options, train, test[..32]),
        "no held-out data" => (Small(likelihood: new GaussianLikelihood(0.1)), Options, train, null),
        "hidden layer" => (Small(hidden: 16, likelihood: new GaussianLikelihood(0.1)), Options, train, test),
        "likelihood" => (Small(likelihood: new BernoulliLikelihood()), Options, train, test),
        "likelihood's sigma" => (Small(likelihood: new GaussianLikelihood(0.2)), Options, train, test),
        "model type" => (SeededAutoencoder(), Options, train, test),
        "dropout rate" => (SeededMultVae(0.4), Options, train, test),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, "no such change"),
    };

    private static Autoencoder SeededAutoencoder()
    {
        manual_seed(0);
        return Autoencoder.Mlp(64, new[] { 32 }, 4);
    }

    private static Vae SeededMultVae(double dropout)
    {
        manual_seed(0);
        return Vae.Mult(64, hidden: 32, latentSize: 4, dropout: dropout);
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_changed_setting_misses_the_cache(string change)
    {
        var (model, options, trainData, testData) = Variant(null);
        Assert.False(Run(model, options, trainData, testData, noTest: testData is null).Result.Loaded);
        (model, options, trainData, testData) = Variant(null);
        Assert.True(Run(model, options, trainData, testData, noTest: testData is null).Result.Loaded, "the unchanged run hits");

        (model, options, trainData, testData) = Variant(change);
        var (changed, reports) = Run(model, options, trainData, testData, noTest: testData is null);
        Assert.False(changed.Loaded, $"a change of {change} must miss");
        Assert.True(reports > 0);
        Assert.Null(changed.Warning); // a miss is no damage: the other entry stays
        Assert.Equal(4, Files().Length);
    }

    [Fact]
    public void A_changed_dropout_rate_alone_changes_the_key()
    {
        // Same names, shapes and initial values: only the Dropout module's probability differs.
        var a = ModelCacheKey.Of(SeededMultVae(0.5), Options, train, test);
        var b = ModelCacheKey.Of(SeededMultVae(0.4), Options, train, test);
        output.WriteLine(a.Description);
        Assert.NotEqual(a.Hash, b.Hash);
    }

    [Fact]
    public void Every_trainer_option_but_the_progress_interval_and_the_optimiser_is_in_the_key()
    {
        string description = ModelCacheKey.Of(Small(), Options, train, test).Description;
        foreach (var property in typeof(TrainerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            bool expected = property.Name is not (nameof(TrainerOptions.ProgressInterval) or nameof(TrainerOptions.Optimizer));
            Assert.True(expected == description.Contains($"\noption {property.Name} "), $"option {property.Name}");
        }
    }

    [Fact]
    public void The_key_hashes_a_subset_by_its_values_not_by_how_it_was_taken()
    {
        Assert.Equal(ModelCacheKey.Of(Small(), Options, train[..100], test).Hash,
            ModelCacheKey.Of(Small(), Options, train[..100].clone(), test).Hash);
        Assert.NotEqual(ModelCacheKey.Of(Small(), Options, train[..100], test).Hash,
            ModelCacheKey.Of(Small(), Options, train[100..200], test).Hash);
    }

    [Fact]
    public void A_custom_optimiser_is_refused_with_a_message_naming_the_setting()
    {
        var options = Options with { Optimizer = (p, lr) => optim.SGD(p, lr) };
        var e = Assert.Throws<ArgumentException>(() => Run(Small(), options));
        Assert.Contains("TrainerOptions.Optimizer", e.Message);
        Assert.Empty(Files());
    }

    // ---------------------------------------------------------------- interrupted saves

    /// <summary>A stream that fails after <paramref name="limit"/> bytes, as a kill or a full disk would stop the write.</summary>
    private sealed class FailingStream(Stream inner, long limit) : Stream
    {
        private long written;
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (written + buffer.Length > limit) throw new IOException("simulated interruption");
            inner.Write(buffer);
            written += buffer.Length;
        }

        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { } // the owner disposes the file
    }

    /// <summary>Fails the <paramref name="which"/>-th stream the save opens (1: the checkpoint, 2: the manifest) after 100 bytes.</summary>
    private static Func<Stream, Stream> FailStream(int which)
    {
        int opened = 0;
        return s => ++opened == which ? new FailingStream(s, 100) : s;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_save_interrupted_while_writing_leaves_no_entry_that_loads(int which)
    {
        var (interrupted, _) = Run(Small(), wrap: FailStream(which));
        Assert.False(interrupted.Saved);
        Assert.Contains("could not save", interrupted.Warning);
        Assert.DoesNotContain(Files(), f => f.EndsWith(".json") || f.Contains(".tmp-"));

        var (next, reports) = Run(Small());
        Assert.False(next.Loaded);
        Assert.Null(next.Warning);
        Assert.True(reports > 0);
        Assert.True(Run(Small()).Result.Loaded);
    }

    [Fact]
    public void A_save_killed_between_the_checkpoint_and_the_manifest_does_not_load_the_new_checkpoint_with_the_old_manifest()
    {
        Run(Small());
        Environment.SetEnvironmentVariable("VAE_FRESH", "1");
        // Another training of the same key: its checkpoint is renamed into place, its manifest write is interrupted.
        var different = Small(seed: 9);
        var key = ModelCacheKey.Of(Small(), Options, train, test);
        var (second, _) = Run(Small(), Options, wrap: FailStream(2));
        Assert.False(second.Saved);
        Environment.SetEnvironmentVariable("VAE_FRESH", null);
        string checkpoint = second.CheckpointPath;
        Checkpoint.Save(different, checkpoint); // now the checkpoint is not the one the old manifest describes
        Assert.Equal(key.Hash, ModelCacheKey.Of(Small(), Options, train, test).Hash);

        var model = Small();
        var (after, reports) = Run(model);
        Assert.False(after.Loaded);
        Assert.True(reports > 0);
        Assert.Contains("SHA-256", after.Warning);
        var reference = Small();
        new Trainer(reference, Options).Fit(train, test);
        AssertSameParameters(reference, model);
    }

    [Fact]
    public void Temporary_files_left_by_a_killed_save_never_load_and_are_cleared_by_the_next_save()
    {
        var (first, _) = Run(Small());
        string manifest = Path.ChangeExtension(first.CheckpointPath, ".json");
        byte[] manifestBytes = File.ReadAllBytes(manifest), checkpointBytes = File.ReadAllBytes(first.CheckpointPath);
        File.Delete(manifest);
        File.Delete(first.CheckpointPath);
        const int deadProcess = int.MaxValue - 7;
        File.WriteAllBytes($"{first.CheckpointPath}{Checkpoint.TempMarker}{deadProcess}-0123456789abcdef", checkpointBytes[..(checkpointBytes.Length / 2)]);
        File.WriteAllBytes($"{manifest}{Checkpoint.TempMarker}{deadProcess}-0123456789abcdef", manifestBytes[..(manifestBytes.Length / 2)]);

        var (next, reports) = Run(Small());
        Assert.False(next.Loaded);
        Assert.True(reports > 0);
        Assert.Null(next.Warning);
        Assert.Equal(2, Files().Length); // the dead process's temporary files are gone
        Assert.True(Run(Small()).Result.Loaded);
    }

    // ---------------------------------------------------------------- damaged and foreign entries

    public static TheoryData<string> Damages => new()
    {
        "truncated checkpoint", "flipped checkpoint byte", "truncated manifest", "manifest not JSON", "empty manifest",
        "manifest of another format", "manifest of another key", "missing checkpoint", "checkpoint of another model", "history cut short",
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_or_foreign_entry_is_trained_again_with_a_one_line_warning(string damage)
    {
        var (first, _) = Run(Small());
        string checkpoint = first.CheckpointPath, manifest = Path.ChangeExtension(checkpoint, ".json");
        string text = File.ReadAllText(manifest);
        switch (damage)
        {
            case "truncated checkpoint":
                File.WriteAllBytes(checkpoint, File.ReadAllBytes(checkpoint)[..100]);
                break;
            case "flipped checkpoint byte":
                var bytes = File.ReadAllBytes(checkpoint);
                bytes[bytes.Length / 2] ^= 0x10;
                File.WriteAllBytes(checkpoint, bytes);
                break;
            case "truncated manifest":
                File.WriteAllText(manifest, text[..(text.Length / 2)]);
                break;
            case "manifest not JSON":
                File.WriteAllText(manifest, "PK\u0003\u0004 not a manifest");
                break;
            case "empty manifest":
                File.WriteAllBytes(manifest, []);
                break;
            case "manifest of another format":
                File.WriteAllText(manifest, text.Replace(ModelCache.ManifestFormat, "some other tool, version 3"));
                break;
            case "manifest of another key":
            {
                // Another model's entry copied under this one's name: both its files.
                var (other, _) = Run(Small(seed: 5));
                File.Copy(other.CheckpointPath, checkpoint, overwrite: true);
                File.Copy(Path.ChangeExtension(other.CheckpointPath, ".json"), manifest, overwrite: true);
                File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(Path.GetFileName(other.CheckpointPath), Path.GetFileName(checkpoint)));
                break;
            }
            case "missing checkpoint":
                File.Delete(checkpoint);
                break;
            case "checkpoint of another model":
            {
                // A checkpoint of other sizes, with the manifest's checksum made to match: the load itself must refuse it.
                Checkpoint.Save(Small(hidden: 8), checkpoint);
                string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(checkpoint)));
                File.WriteAllText(manifest, System.Text.RegularExpressions.Regex.Replace(text, "\"checkpointSha256\": \"[0-9a-f]+\"", $"\"checkpointSha256\": \"{sha}\""));
                break;
            }
            case "history cut short":
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
                node["history"]!.AsArray().RemoveAt(1);
                File.WriteAllText(manifest, node.ToJsonString());
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, "no such damage");
        }

        var model = Small();
        var (after, reports) = Run(model);
        Assert.False(after.Loaded, $"a {damage} must not load");
        Assert.True(reports > 0, "it trains");
        Assert.NotNull(after.Warning);
        Assert.DoesNotContain('\n', after.Warning);
        Assert.Contains(Path.GetFileName(manifest), after.Warning);
        Assert.Contains("training again", after.Warning);
        Assert.True(after.Saved, "the entry is replaced");

        var reference = Small();
        new Trainer(reference, Options).Fit(train, test);
        AssertSameParameters(reference, model); // trained from its initial parameters, untouched by the damaged entry
        var (reloaded, _) = Run(Small());
        Assert.True(reloaded.Loaded, "the replaced entry loads");
        Assert.Null(reloaded.Warning);
    }

    // ---------------------------------------------------------------- a measurement after each epoch

    private (ModelCacheResult Result, int Measured) RunMeasuring(Vae model, string name = "mean posterior mean of the test data")
    {
        int measured = 0;
        var result = ModelCache.TrainOrLoad(model, Options, train, test, folder: cache.Path, afterEpoch: (name, () =>
        {
            measured++;
            using var _ = no_grad();
            return model.Encode(test).Mu.mean(new long[] { 0 }).to(float64).data<double>().ToArray();
        }));
        if (result.Warning is not null) output.WriteLine("warning: " + result.Warning);
        return (result, measured);
    }

    [Fact]
    public void A_measurement_after_each_epoch_is_stored_with_the_model_and_loaded_with_it()
    {
        var (first, measured) = RunMeasuring(Small());
        Assert.False(first.Loaded);
        Assert.Equal(Options.Epochs, measured);
        Assert.Equal(Options.Epochs, first.AfterEpoch!.Count);
        Assert.All(first.AfterEpoch, values => Assert.Equal(4, values.Length));
        Assert.NotEqual(first.AfterEpoch[0], first.AfterEpoch[1]);   // measured after each epoch, not once

        var (hit, measuredAgain) = RunMeasuring(Small());
        Assert.True(hit.Loaded);
        Assert.Equal(0, measuredAgain);
        Assert.Equal(first.AfterEpoch, hit.AfterEpoch);                 // every double exactly

        var (other, measuredOther) = RunMeasuring(Small(), name: "another measurement");
        Assert.False(other.Loaded);                                      // the name is part of the key
        Assert.Equal(Options.Epochs, measuredOther);
        var (plain, _) = Run(Small());
        Assert.False(plain.Loaded);                                      // and so is asking for a measurement at all
        Assert.Null(plain.AfterEpoch);
    }

    [Fact]
    public void An_entry_whose_measurements_are_missing_is_trained_again_with_a_warning()
    {
        var (first, _) = RunMeasuring(Small());
        string manifest = Path.ChangeExtension(first.CheckpointPath, ".json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        json["afterEpoch"]!.AsArray().RemoveAt(1);
        File.WriteAllText(manifest, json.ToJsonString());
        var (again, measured) = RunMeasuring(Small());
        Assert.False(again.Loaded);
        Assert.Equal(Options.Epochs, measured);
        Assert.Contains("per-epoch measurements", again.Warning);
        Assert.Throws<ArgumentException>(() => ModelCache.TrainOrLoad(Small(), Options, train, test, folder: cache.Path, afterEpoch: (" ", () => new double[1])));
    }

    // ---------------------------------------------------------------- VAE_FRESH

    [Fact]
    public void VAE_FRESH_ignores_the_entry_trains_again_and_replaces_it()
    {
        var (first, _) = Run(Small());
        Thread.Sleep(20);
        Environment.SetEnvironmentVariable("VAE_FRESH", "1");
        var (fresh, reports) = Run(Small());
        Assert.False(fresh.Loaded);
        Assert.True(fresh.Saved);
        Assert.True(reports > 0);
        Assert.Null(fresh.Warning);
        Assert.True(fresh.TrainedAt > first.TrainedAt);

        Environment.SetEnvironmentVariable("VAE_FRESH", null);
        var (hit, _) = Run(Small());
        Assert.True(hit.Loaded);
        Assert.Equal(fresh.TrainedAt, hit.TrainedAt); // the entry written under VAE_FRESH replaced the first
        Assert.Equal(2, Files().Length);
    }

    // ---------------------------------------------------------------- results computed from a model

    private int computations;

    /// <summary>The importance-weighted bound of every test example, k = 10, from the random state as it is: a stand-in for a costly evaluation.</summary>
    private ComputationResult Bound(Vae model, string computation = "ImportanceWeighted.PerExample k=10", Tensor? input = null, int k = 10)
    {
        var data = input ?? test;
        var result = ModelCache.ComputeOrLoad(model, computation, data, () =>
        {
            computations++;
            return ImportanceWeighted.PerExample(model, data, k);
        }, cache.Path);
        output.WriteLine(result.ToString());
        if (result.Warning is not null) output.WriteLine("warning: " + result.Warning);
        return result;
    }

    private Vae Trained()
    {
        var model = Small();
        Run(model);
        return model;
    }

    [Fact]
    public void A_stored_result_loads_exactly_and_leaves_the_random_state_as_computing_it_would()
    {
        var model = Trained();
        manual_seed(4);
        var first = Bound(model);
        var drawnAfterComputing = rand(5);
        Assert.False(first.Loaded);
        Assert.True(first.Saved);
        Assert.Null(first.Warning);
        Assert.Matches(@"^computed in \d+\.\d s, saved to the cache: Vae-result-[0-9a-f]{20}\.json$", first.ToString());

        var loaded = Trained(); // the same model, loaded from its entry
        manual_seed(4);
        var again = Bound(loaded);
        var drawnAfterLoading = rand(5);
        Assert.True(again.Loaded);
        Assert.Equal(1, computations);
        Assert.True(Bits.Same(first.Value, again.Value), "the stored values, element type and shape are the computed ones");
        Assert.True(Bits.Same(drawnAfterComputing, drawnAfterLoading), "after a load the generator is where the computation left it");
        Assert.Equal(first.ComputedAt, again.ComputedAt);
        Assert.Equal(first.Seconds, again.Seconds);
        Assert.Matches(@"^loaded from the cache: Vae-result-[0-9a-f]{20}\.json, computed \d{4}-\d\d-\d\d \d\d:\d\d UTC in \d+\.\d s$", again.ToString());
    }

    [Fact]
    public void A_changed_model_computation_input_or_random_state_misses()
    {
        var model = Trained();
        manual_seed(4);
        var stored = Bound(model);

        manual_seed(5);
        Assert.False(Bound(model).Loaded, "another seed");
        manual_seed(4);
        Assert.False(Bound(model, "ImportanceWeighted.PerExample k=20", k: 20).Loaded, "another computation");
        manual_seed(4);
        Assert.False(Bound(model, input: test[..32]).Loaded, "another input");
        var weight = model.parameters().First();
        var original = weight.detach().clone();
        using (no_grad()) weight.add_(1e-3f);
        manual_seed(4);
        Assert.False(Bound(model).Loaded, "changed parameters");
        Assert.Equal(5, computations);

        using (no_grad()) weight.copy_(original);
        manual_seed(4);
        var back = Bound(model);
        Assert.True(back.Loaded, "with the parameters put back, the first entry loads");
        Assert.True(Bits.Same(stored.Value, back.Value));
    }

    [Fact]
    public void A_damaged_or_foreign_result_is_computed_again_with_a_one_line_warning()
    {
        var model = Trained();
        manual_seed(4);
        var stored = Bound(model);
        var text = File.ReadAllText(stored.Path);

        foreach (var (damage, content) in new[]
                 {
                     ("truncated", text[..(text.Length / 2)]),
                     ("values removed", text.Replace("\"values\": [", "\"values\": [1e300, ")),
                     ("a model manifest", File.ReadAllText(Directory.GetFiles(cache.Path, "Vae-*.json").First(f => !f.Contains("-result-")))),
                 })
        {
            File.WriteAllText(stored.Path, content);
            manual_seed(4);
            var redone = Bound(model);
            Assert.False(redone.Loaded, damage);
            Assert.True(redone.Saved, damage);
            Assert.NotNull(redone.Warning);
            Assert.Contains(stored.Path, redone.Warning);
            Assert.DoesNotContain('\n', redone.Warning);
            Assert.True(Bits.Same(stored.Value, redone.Value), $"{damage}: computed again from the same state, the same values");
        }
        manual_seed(4);
        Assert.True(Bound(model).Loaded, "the replaced entry loads");
    }

    [Fact]
    public void VAE_FRESH_computes_the_result_again()
    {
        var model = Trained();
        manual_seed(4);
        Bound(model);
        Environment.SetEnvironmentVariable("VAE_FRESH", "1");
        manual_seed(4);
        var fresh = Bound(model);
        Assert.False(fresh.Loaded);
        Assert.True(fresh.Saved);
        Assert.Equal(2, computations);
    }
}
