using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using VaeCourse;
using VaeCourse.Data;
using VaeCourse.Evaluation;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace Bench;

/// <summary>
/// The benchmark's entry points. Output (stdout) is one JSON object per line: one line per epoch
/// (<c>epoch</c>, <c>seconds</c>, <c>samples_per_s</c>, <c>train_nelbo</c>, <c>test_nelbo</c>, <c>rss_mb</c>, and the
/// same for the baseline), with <c>--profile</c> one line with <c>"profile": true</c>, and last a line with
/// <c>"summary": true</c>, which also compares the step with FusedAdam and with TorchSharp's Adam. Progress messages go to stderr.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmark with the command line's options; the exit code is 0 on success, 1 on failure, 2 for bad options.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs the benchmark in this process, writing the JSON lines to <paramref name="output"/> and progress and
    /// errors to <paramref name="log"/> (stderr when null). libtorch's thread count is restored afterwards.
    /// Returns 0 on success, 1 when the run failed, 2 for bad options.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        log ??= Console.Error;
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            log.WriteLine($"bench: {e.Message}");
            return 2;
        }
        if (options.Help)
        {
            output.WriteLine(BenchOptions.Usage);
            return 0;
        }

        Course.LoadTorchNative();
        int previousThreads = torch.get_num_threads();
        try
        {
            Course.Setup(options.Seed, options.Threads);
            new BenchRun(options, output, log).Execute();
            return 0;
        }
        catch (DatasetNotFoundException e)
        {
            log.WriteLine($"bench: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            log.WriteLine($"bench: failed: {e}");
            return 1;
        }
        finally
        {
            torch.set_num_threads(previousThreads);
        }
    }
}

/// <summary>One benchmark run: data, warm-up, alternating epochs, profile, importance-weighted timing, summary.</summary>
internal sealed class BenchRun
{
    private const int Pixels = 28 * 28;
    private readonly BenchOptions o;
    private readonly TextWriter output;
    private readonly TextWriter log;

    public BenchRun(BenchOptions options, TextWriter output, TextWriter log)
    {
        o = options;
        this.output = output;
        this.log = log;
    }

    public void Execute()
    {
        double? loadStart = Measure.LoadAverage();
        if (loadStart > Environment.ProcessorCount && o.Threads > 1 && Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
            log.WriteLine($"bench: warning: load average {loadStart:F1} on {Environment.ProcessorCount} cores. libtorch's OpenMP threads spin-wait " +
                          "for each other and slow down many times over when other processes hold the cores; set OMP_WAIT_POLICY=PASSIVE or use --threads 1.");
        log.WriteLine($"bench: loading {o.Dataset}");
        var (train, test) = LoadData();
        if (o.Binarize == "dynamic") test = ImageData.Binarize(test, o.Seed);   // the fixed binary test set the notebooks get for this seed
        long flopsPerExample = o.Model == "mlp" ? FlopCount.Mlp(Pixels, o.Hidden, o.Latent) : FlopCount.Conv(o.Channels, o.Latent);

        log.WriteLine($"bench: measuring the fp32 matrix-product rate ({o.GemmSize}^3)");
        double gemmStart = Measure.GemmGflops(o.GemmSize, o.GemmTrials);

        if (o.WarmupBatches > 0) WarmUp(train);

        manual_seed(o.Seed);
        var model = LibraryModel();
        var epochs = TrainAlternating(model, train, test, flopsPerExample);

        log.WriteLine("bench: measuring the matrix-product rate again");
        double gemmEnd = Measure.GemmGflops(o.GemmSize, o.GemmTrials);
        var summary = Summary(epochs, train.shape[0], test.shape[0], flopsPerExample, gemmStart, gemmEnd);
        CompareAndProfile(train, flopsPerExample, summary);
        if (o.IwK > 0) ImportanceWeightedTiming(model, test, summary);
        summary["omp_wait_policy"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        summary["load_start"] = loadStart is { } ls ? Num(ls, 2) : null;
        summary["load_end"] = Measure.LoadAverage() is { } le ? Num(le, 2) : null;
        Write(summary);
    }

    /// <summary>What the alternating epochs measured: per epoch the library's and the baseline's seconds, the resident memory and the matrix-product rate.</summary>
    private sealed class EpochMeasurements
    {
        public List<double> LibrarySeconds { get; } = new();
        public List<double> BaselineSeconds { get; } = new();
        public List<double> Rss { get; } = new();
        public List<double> Gemm { get; } = new();
        public EpochRecord? Last { get; set; }
        public double? LastBaselineTrain { get; set; }
        public double? LastBaselineTest { get; set; }
        public bool HasBaseline { get; init; }
        public bool SameInitialWeights { get; init; }
    }

    /// <summary>
    /// Trains <paramref name="model"/> with the library's Trainer and, with --baseline, the hand-written baseline from the
    /// same initial weights, epoch about epoch, writing one JSON line per epoch.
    /// </summary>
    private EpochMeasurements TrainAlternating(Vae model, Tensor train, Tensor test, long flopsPerExample)
    {
        long n = train.shape[0];
        BaselineVae? baseline = o.Baseline ? BaselineModel() : null;
        var measured = new EpochMeasurements { HasBaseline = baseline is not null, SameInitialWeights = baseline is not null && CopyParameters(model, baseline) };
        var baselineOptimizer = baseline is null ? null : optim.Adam(baseline.parameters(), o.LearningRate);
        using var baselineOrder = new Generator((ulong)o.Seed);   // the same permutations as the Trainer's

        var trainer = new Trainer(model, new TrainerOptions
        {
            Epochs = o.Epochs, BatchSize = o.Batch, LearningRate = o.LearningRate, Seed = o.Seed,
            ProgressInterval = TimeSpan.MaxValue, Binarization = TrainingBinarization,
        });
        log.WriteLine($"bench: training {o.Model} on {n} images, batch {o.Batch}, {o.Epochs} epoch(s), {o.Threads} thread(s)");
        // The library trains all epochs in one Fit call; after each of its epochs (its test evaluation included) the
        // callback runs one baseline epoch, so the two alternate and share the machine's conditions.
        trainer.Fit(train, test, progress =>
        {
            if (progress.Finished is not { } record) return;
            measured.Last = record;
            double seconds = n / record.SamplesPerSecond;
            measured.LibrarySeconds.Add(seconds);
            var line = new JsonObject
            {
                ["epoch"] = record.Epoch,
                ["seconds"] = Num(seconds),
                ["samples_per_s"] = Num(record.SamplesPerSecond, 1),
                ["train_nelbo"] = Num(record.TrainNegativeElbo),
                ["test_nelbo"] = Num(record.TestNegativeElbo ?? double.NaN),
                ["eval_seconds"] = Num(record.Seconds - seconds),
            };
            if (baseline is not null)
            {
                var b = BaselineLoop.TrainEpoch(baseline, baselineOptimizer!, train, o.Batch, baselineOrder);
                measured.BaselineSeconds.Add(b.Seconds);
                measured.LastBaselineTrain = b.NegativeElbo;
                measured.LastBaselineTest = BaselineLoop.Evaluate(baseline, test);
                line["baseline_seconds"] = Num(b.Seconds);
                line["baseline_samples_per_s"] = Num(n / b.Seconds, 1);
                line["baseline_train_nelbo"] = Num(b.NegativeElbo);
                line["baseline_test_nelbo"] = Num(measured.LastBaselineTest.Value);
                line["overhead_ratio"] = Num(b.Seconds / seconds);
            }
            // A short matrix-product measurement after every epoch pair: the machine's rate under the same conditions as
            // the epoch, so a per-epoch roofline fraction can be read even when other processes come and go.
            measured.Gemm.Add(Measure.GemmGflops(o.GemmSize, trials: 1));
            line["gemm_gflops"] = Num(measured.Gemm[^1], 2);
            line["roofline_fraction"] = Num(flopsPerExample * record.SamplesPerSecond / 1e9 / measured.Gemm[^1], 4);
            measured.Rss.Add(Measure.RssMb());
            line["rss_mb"] = Num(measured.Rss[^1], 1);
            var (anon, file) = Measure.RssParts();
            line["rss_anon_mb"] = anon is { } a ? Num(a, 1) : null;
            line["rss_file_mb"] = file is { } f ? Num(f, 1) : null;
            Write(line);
            log.WriteLine($"bench: epoch {record.Epoch}/{o.Epochs}: library {seconds:F2} s" +
                          (measured.BaselineSeconds.Count == measured.LibrarySeconds.Count ? $", baseline {measured.BaselineSeconds[^1]:F2} s" : ""));
        });
        return measured;
    }

    /// <summary>The summary line's settings and training measurements (the step comparison and the bound's timing are added after).</summary>
    private JsonObject Summary(EpochMeasurements epochs, long n, long testCount, long flopsPerExample, double gemmStart, double gemmEnd)
    {
        double gemm = Math.Max(Math.Max(gemmStart, gemmEnd), epochs.Gemm.Max());
        var sortedEpochGemm = epochs.Gemm.Order().ToList();
        double gemmEpochMedian = (sortedEpochGemm[sortedEpochGemm.Count / 2] + sortedEpochGemm[(sortedEpochGemm.Count - 1) / 2]) / 2;

        var libSeconds = epochs.LibrarySeconds;
        var rss = epochs.Rss;
        double libRate = o.Epochs * n / libSeconds.Sum();
        double trainGflops = flopsPerExample * libRate / 1e9;
        var summary = new JsonObject
        {
            ["summary"] = true,
            ["model"] = o.Model,
            ["dataset"] = o.Dataset,
            ["likelihood"] = o.Likelihood,
            ["binarize"] = o.Binarize,
            ["batch"] = o.Batch,
            ["latent"] = o.Latent,
            ["hidden"] = o.Model == "mlp" ? string.Join(",", o.Hidden) : null,
            ["channels"] = o.Model == "conv" ? o.Channels : null,
            ["threads"] = o.Threads,
            ["train_images"] = n,
            ["test_images"] = testCount,
            ["epochs"] = o.Epochs,
            ["seconds"] = Num(libSeconds.Sum()),
            ["samples_per_s"] = Num(libRate, 1),
            ["train_nelbo"] = Num(epochs.Last!.TrainNegativeElbo),
            ["test_nelbo"] = Num(epochs.Last.TestNegativeElbo ?? double.NaN),
            ["rss_mb"] = Num(rss[^1], 1),
            ["rss_mb_epoch2"] = rss.Count >= 2 ? Num(rss[1], 1) : null,
            ["rss_growth_since_epoch2"] = rss.Count >= 2 ? Num(rss[^1] / rss[1] - 1, 4) : null,
            ["flops_per_example"] = flopsPerExample,
            ["gemm_gflops"] = Num(gemm, 2),
            ["gemm_gflops_start"] = Num(gemmStart, 2),
            ["gemm_gflops_end"] = Num(gemmEnd, 2),
            ["train_gflops"] = Num(trainGflops, 2),
            ["roofline_fraction"] = Num(trainGflops / gemm, 4),
            ["gemm_gflops_epoch_median"] = Num(gemmEpochMedian, 2),
            ["roofline_fraction_vs_epoch_median"] = Num(trainGflops / gemmEpochMedian, 4),
        };
        if (epochs.HasBaseline)
        {
            var baseSeconds = epochs.BaselineSeconds;
            double baseRate = o.Epochs * n / baseSeconds.Sum();
            var ratios = libSeconds.Zip(baseSeconds, (l, b) => b / l).Order().ToList();
            summary["baseline_seconds"] = Num(baseSeconds.Sum());
            summary["baseline_samples_per_s"] = Num(baseRate, 1);
            summary["baseline_train_nelbo"] = Num(epochs.LastBaselineTrain!.Value);
            summary["baseline_test_nelbo"] = Num(epochs.LastBaselineTest!.Value);
            summary["baseline_train_gflops"] = Num(flopsPerExample * baseRate / 1e9, 2);
            summary["baseline_roofline_fraction"] = Num(flopsPerExample * baseRate / 1e9 / gemm, 4);
            summary["same_initial_weights"] = epochs.SameInitialWeights;
            summary["overhead_ratio"] = Num(libRate / baseRate, 4);
            summary["overhead_ratio_median"] = Num(ratios[ratios.Count / 2] / 2 + ratios[(ratios.Count - 1) / 2] / 2, 4);
        }
        return summary;
    }

    private (Tensor Train, Tensor Test) LoadData()
    {
        if (o.Dataset == "synthetic") return Synthetic(o.Limit ?? 60_000, o.TestLimit ?? 10_000, o.Seed);
        var (train, test) = Datasets.Load(o.Dataset, o.Limit, o.TestLimit);
        if (train.Side * train.Side != Pixels)
            throw new InvalidOperationException($"{o.Dataset} has {train.Side}x{train.Side} images; the benchmark's models take 28x28.");
        return (train.Images, test.Images);
    }

    /// <summary>
    /// Random 28x28 "images" in [0, 1]: ten random binary prototypes, each image one of them at 0.8 plus uniform
    /// noise of 0.2, so the VAE has structure to learn. Made in memory from the seed; no files.
    /// </summary>
    internal static (Tensor Train, Tensor Test) Synthetic(int trainCount, int testCount, long seed)
    {
        using var generator = new Generator((ulong)seed + 4242);
        using var scope = NewDisposeScope();
        var prototypes = (rand(new long[] { 10, Pixels }, generator: generator) > 0.7).to(float32);
        Tensor Make(int count)
        {
            var pick = randint(0, 10, new long[] { count }, generator: generator);
            var noise = rand(new long[] { count, Pixels }, generator: generator);
            return (prototypes.index_select(0, pick) * 0.8f + noise * 0.2f).clamp_(0, 1);
        }
        var train = Make(trainCount);
        var test = Make(testCount);
        return (train.MoveToOuterDisposeScope(), test.MoveToOuterDisposeScope());
    }

    private Vae LibraryModel() => o.Model == "mlp"
        ? Vae.Mlp(Pixels, o.Hidden, o.Latent, Likelihood())
        : Vae.Conv(o.Latent, o.Channels, Likelihood());

    private ILikelihood Likelihood() => o.Likelihood switch
    {
        "continuous-bernoulli" => new ContinuousBernoulliLikelihood(),
        "gaussian" => new GaussianLikelihood(),
        _ => new BernoulliLikelihood(),
    };

    private Binarization TrainingBinarization => o.Binarize == "dynamic" ? Binarization.Dynamic : Binarization.None;

    private BaselineVae BaselineModel() => o.Model == "mlp"
        ? new BaselineMlpVae(Pixels, o.Hidden, o.Latent)
        : new BaselineConvVae(o.Channels, o.Latent);

    /// <summary>Gives the baseline the library model's initial weights when the parameter lists line up shape for shape.</summary>
    private static bool CopyParameters(Vae from, BaselineVae to)
    {
        var source = from.parameters().ToList();
        var target = to.parameters().ToList();
        if (source.Count != target.Count || source.Zip(target).Any(p => !p.First.shape.SequenceEqual(p.Second.shape)))
            return false;
        using var _ = no_grad();
        foreach (var (s, t) in source.Zip(target)) t.copy_(s);
        return true;
    }

    /// <summary>A few untimed steps of each loop on throwaway models: JIT compilation, libtorch's first-use costs, allocator caches.</summary>
    private void WarmUp(Tensor train)
    {
        long count = Math.Min(train.shape[0], (long)o.WarmupBatches * o.Batch);
        using var part = train.narrow(0, 0, count);
        log.WriteLine($"bench: warming up ({o.WarmupBatches} steps each)");
        using (var model = LibraryModel())
        {
            new Trainer(model, new TrainerOptions { Epochs = 1, BatchSize = o.Batch, LearningRate = o.LearningRate, Seed = o.Seed, ProgressInterval = TimeSpan.MaxValue, Binarization = TrainingBinarization })
                .Fit(part);
        }
        if (!o.Baseline) return;
        using var baseline = BaselineModel();
        using var optimizer = optim.Adam(baseline.parameters(), o.LearningRate);
        using var order = new Generator((ulong)o.Seed);
        BaselineLoop.TrainEpoch(baseline, optimizer, part, o.Batch, order);
    }

    /// <summary>
    /// Milliseconds per step of each phase of three loops on throwaway models, alternating every 10 steps: the baseline
    /// (TorchSharp's Adam), the library's step with the Trainer's default optimiser (<see cref="FusedAdam"/>, whose step
    /// checks the gradients), and the library's step with TorchSharp's Adam after <c>Check.FiniteGradients</c> (what the
    /// Trainer does with any other optimiser), and the library's step with FusedAdam on one thread. The optimiser comparison goes into <paramref name="summary"/>; with
    /// --profile a profile line is written too, with the matrix products of an MLP step, the networks and the loss alone.
    /// </summary>
    private void CompareAndProfile(Tensor train, long flopsPerExample, JsonObject summary)
    {
        int steps = o.ProfileBatches;
        log.WriteLine($"bench: timing {steps} steps of the baseline, the library with FusedAdam (also on one thread) and with torch Adam, alternating every 10 steps");
        using var baseline = BaselineModel();
        using var baseOptimizer = optim.Adam(baseline.parameters(), o.LearningRate);
        using var fusedModel = LibraryModel();
        using var fused = (FusedAdam)FusedAdam.Create(fusedModel.parameters(), o.LearningRate);
        using var oneThreadModel = LibraryModel();
        using var oneThread = (FusedAdam)FusedAdam.Create(oneThreadModel.parameters(), o.LearningRate);
        int threads = get_num_threads();
        bool OneThreadStep()
        {
            set_num_threads(1);
            try { return oneThread.TryStep(); }
            finally { set_num_threads(threads); }
        }
        using var torchModel = LibraryModel();
        var torchParameters = torchModel.parameters().ToList();
        using var torchAdam = optim.Adam(torchParameters, o.LearningRate);
        using var order = new Generator((ulong)o.Seed + 1);
        bool TorchStep()
        {
            if (!Check.FiniteGradients(torchParameters)) return false;
            torchAdam.step();
            return true;
        }
        var loops = new Func<int, StepProfile>[]
        {
            count => BaselineLoop.Profile(baseline, baseOptimizer, train, o.Batch, count, order),
            count => LibraryProfile(fusedModel, fused, fused.TryStep, train, count, order),
            count => LibraryProfile(torchModel, torchAdam, TorchStep, train, count, order),
            count => LibraryProfile(oneThreadModel, oneThread, OneThreadStep, train, count, order),
        };
        foreach (var loop in loops) loop(Math.Min(steps, 10));   // warm all four
        var parts = loops.Select(_ => new List<(StepProfile, int)>()).ToArray();
        for (int done = 0; done < steps; done += 10)
        {
            int count = Math.Min(10, steps - done);
            for (int i = 0; i < loops.Length; i++) parts[i].Add((loops[i](count), count));
        }
        var b = StepProfile.Average(parts[0]);
        var l = StepProfile.Average(parts[1]);
        var t = StepProfile.Average(parts[2]);
        var one = StepProfile.Average(parts[3]);
        summary["optimizer_ms_per_step_fused"] = Num(l.OptimizerMs, 3);
        summary["optimizer_ms_per_step_torch"] = Num(t.OptimizerMs, 3);
        summary["step_ms_fused"] = Num(l.TotalMs, 3);
        summary["step_ms_torch"] = Num(t.TotalMs, 3);
        summary["step_throughput_ratio"] = Num(t.TotalMs / l.TotalMs, 4);
        summary["optimizer_speedup"] = Num(t.OptimizerMs / l.OptimizerMs, 4);
        summary["optimizer_ms_per_step_fused_1_thread"] = Num(one.OptimizerMs, 3);
        summary["step_ms_fused_1_thread"] = Num(one.TotalMs, 3);
        // The fastest block of 10 steps of each loop: other processes can only slow a block down.
        double fusedBest = parts[1].Min(p => p.Item1.TotalMs), torchBest = parts[2].Min(p => p.Item1.TotalMs);
        summary["step_ms_fused_best_block"] = Num(fusedBest, 3);
        summary["step_ms_torch_best_block"] = Num(torchBest, 3);
        summary["step_throughput_ratio_best_blocks"] = Num(torchBest / fusedBest, 4);
        var (fusedAlone, fusedOneThread, torchAlone, zeroGrad) = OptimizerTiming(fusedModel, fused, torchModel, TorchStep);
        summary["optimizer_alone_ms_fused"] = Num(fusedAlone, 3);
        summary["optimizer_alone_ms_fused_1_thread"] = Num(fusedOneThread, 3);
        summary["optimizer_alone_ms_torch"] = Num(torchAlone, 3);
        summary["zero_grad_alone_ms"] = Num(zeroGrad, 3);
        if (!o.Profile) return;

        double stepFlops = (double)flopsPerExample * o.Batch;
        var line = new JsonObject
        {
            ["profile"] = true,
            ["model"] = o.Model,
            ["batch"] = o.Batch,
            ["steps"] = steps,
            ["step_gflop"] = Num(stepFlops / 1e9, 4),
        };
        void Add(string prefix, StepProfile p)
        {
            line[prefix + "_data_ms"] = Num(p.DataMs, 3);
            line[prefix + "_forward_ms"] = Num(p.ForwardMs, 3);
            line[prefix + "_backward_ms"] = Num(p.BackwardMs, 3);
            line[prefix + "_optimizer_ms"] = Num(p.OptimizerMs, 3);
            line[prefix + "_other_ms"] = Num(p.OtherMs, 3);
            line[prefix + "_step_ms"] = Num(p.TotalMs, 3);
        }
        Add("baseline", b);
        Add("library", l);
        Add("library_torch_adam", t);
        var (libraryNetMs, baselineNetMs, copyReluNetMs) = NetworkTiming(train);
        line["network_library_ms"] = Num(libraryNetMs, 3);
        line["network_baseline_ms"] = Num(baselineNetMs, 3);
        line["network_baseline_copy_relu_ms"] = Num(copyReluNetMs, 3);
        var (libraryLossMs, baselineLossMs) = ReconstructionLossTiming(train);
        line["loss_library_ms"] = Num(libraryLossMs, 3);
        line["loss_baseline_ms"] = Num(baselineLossMs, 3);
        if (o.Model == "mlp")
        {
            double gemmMs = Measure.MlpStepGemmMs(o.Batch, Pixels, o.Hidden, o.Latent);
            line["gemm_ms_per_step"] = Num(gemmMs, 3);
            line["gemm_gflops_at_model_shapes"] = Num(stepFlops / gemmMs / 1e6, 2);
            line["gemm_share_of_baseline_step"] = Num(gemmMs / b.TotalMs, 4);
        }
        Write(line);
    }

    /// <summary>
    /// The optimiser's step alone, finite-gradient check included, on the gradients the two models were last left with:
    /// FusedAdam with libtorch's thread count, FusedAdam on one thread, and TorchSharp's Adam after
    /// <c>Check.FiniteGradients</c>; and zero_grad alone. The four alternate trial by trial; best of 5 trials of 20 steps, in
    /// milliseconds (the best, because other processes can only slow a trial down).
    /// </summary>
    private static (double Fused, double FusedOneThread, double Torch, double ZeroGrad) OptimizerTiming(Vae fusedModel, FusedAdam fused, Vae torchModel, Func<bool> torchStep)
    {
        // The same gradients for both: copy the fused model's into the other (parameters may differ by then; the cost does not).
        using (no_grad())
            foreach (var (f, t) in fusedModel.parameters().Zip(torchModel.parameters()))
                using (var g = f.grad!)
                using (var h = t.grad!)
                    h.copy_(g);
        int threads = get_num_threads();
        var grads = torchModel.parameters().Select(p => p.grad!).ToList();
        var steps = new Func<bool>[]
        {
            fused.TryStep,
            () => { set_num_threads(1); try { return fused.TryStep(); } finally { set_num_threads(threads); } },
            torchStep,
            () => { foreach (var g in grads) g.zero_(); return true; },   // what zero_grad does, without its wrappers
        };
        var best = new double[steps.Length];
        Array.Fill(best, double.MaxValue);
        var clock = new Stopwatch();
        for (int trial = 0; trial < 6; trial++)
        {
            for (int i = 0; i < steps.Length; i++)
            {
                clock.Restart();
                for (int r = 0; r < 20; r++)
                    if (!steps[i]()) throw new InvalidOperationException("bench: non-finite gradients in the optimiser timing");
                if (trial > 0) best[i] = Math.Min(best[i], clock.Elapsed.TotalMilliseconds / 20);   // trial 0 warms up
            }
        }
        foreach (var g in grads) g.Dispose();
        return (best[0], best[1], best[2], best[3]);
    }

    /// <summary>
    /// Forward plus backward of the networks alone (encoder, reparameterisation, decoder; the sum of the outputs as
    /// the "loss"), no optimiser: the library's modules, the baseline's with in-place ReLU, and the baseline's with
    /// ReLU making new tensors. The three alternate trial by trial; best of 5 trials of 10 repetitions, in milliseconds.
    /// </summary>
    private (double Library, double Baseline, double BaselineCopyRelu) NetworkTiming(Tensor train)
    {
        using var scope = NewDisposeScope();
        var x = train.narrow(0, 0, Math.Min(o.Batch, train.shape[0]));
        using var library = LibraryModel();
        using var baseline = BaselineModel();
        CopyParameters(library, baseline);
        Tensor LibraryPass()
        {
            var (mu, logVar) = library.Encode(x);
            var z = mu + (0.5 * logVar).exp() * randn_like(mu);
            return library.Decoder.forward(z).sum() + mu.sum() + logVar.sum();
        }
        Tensor BaselinePass(bool inPlace)
        {
            baseline.InPlaceRelu = inPlace;
            var (logits, mu, logVar) = baseline.forward(x);
            return logits.sum() + mu.sum() + logVar.sum();
        }
        var passes = new Func<Tensor>[] { LibraryPass, () => BaselinePass(true), () => BaselinePass(false) };
        var best = new double[passes.Length];
        Array.Fill(best, double.MaxValue);
        var clock = new Stopwatch();
        for (int trial = 0; trial < 6; trial++)
        {
            for (int p = 0; p < passes.Length; p++)
            {
                clock.Restart();
                for (int r = 0; r < 10; r++)
                {
                    using var step = NewDisposeScope();
                    passes[p]().backward();
                }
                if (trial > 0) best[p] = Math.Min(best[p], clock.Elapsed.TotalMilliseconds / 10);   // trial 0 warms up
            }
        }
        library.zero_grad();
        baseline.zero_grad();
        return (best[0], best[1], best[2]);
    }

    /// <summary>
    /// Forward plus backward of the reconstruction term alone on a batch of random logits: the library's
    /// -BernoulliLikelihood.LogProb (x * l - softplus(l), summed) against the baseline's binary_cross_entropy_with_logits,
    /// both averaged over the batch. Best of 5 trials of 50 repetitions, in milliseconds.
    /// </summary>
    private (double Library, double Baseline) ReconstructionLossTiming(Tensor train)
    {
        using var scope = NewDisposeScope();
        var x = train.narrow(0, 0, Math.Min(o.Batch, train.shape[0]));
        var logits = randn(x.shape);
        var likelihood = new BernoulliLikelihood();
        double Time(Func<Tensor, Tensor> loss)
        {
            double best = double.MaxValue;
            var clock = new Stopwatch();
            for (int trial = 0; trial < 6; trial++)
            {
                clock.Restart();
                for (int r = 0; r < 50; r++)
                {
                    using var step = NewDisposeScope();
                    var l = logits.detach().requires_grad_(true);
                    loss(l).backward();
                }
                if (trial > 0) best = Math.Min(best, clock.Elapsed.TotalMilliseconds / 50);   // trial 0 warms up
            }
            return best;
        }
        double library = Time(l => (-likelihood.LogProb(x, l)).mean());
        double baseline = Time(l => nn.functional.binary_cross_entropy_with_logits(l, x, reduction: nn.Reduction.Sum) / x.shape[0]);
        return (library, baseline);
    }

    /// <summary>
    /// The Trainer's step (lib/Training/Trainer.cs) with the library's model and loss, phase by phase; <paramref name="step"/>
    /// is its step with the finite-gradient check. The optimiser phase holds zero_grad and that step.
    /// </summary>
    private StepProfile LibraryProfile(Vae model, optim.Optimizer optimizer, Func<bool> step, Tensor data, int steps, Generator order)
    {
        model.train();
        long n = data.shape[0];
        var t = new double[5];
        var clock = new Stopwatch();
        using var permutation = randperm(n, generator: order);
        using var sums = zeros(2, dtype: float64);
        void Lap(int phase) { t[phase] += clock.Elapsed.TotalMilliseconds; clock.Restart(); }
        for (int s = 0; s < steps; s++)
        {
            long start = (long)(s % (int)Math.Max(1, n / o.Batch)) * o.Batch;
            long size = Math.Min(o.Batch, n - start);
            clock.Restart();
            using (var scope = NewDisposeScope())
            {
                var x = data.index_select(0, permutation.narrow(0, start, size));
                Lap(0);
                using var terms = model.forward(x);
                var loss = terms.Loss(1.0);
                Lap(1);
                loss.item<float>();
                Lap(4);
                optimizer.zero_grad();
                Lap(3);
                loss.backward();
                Lap(2);
                if (!step()) throw new InvalidOperationException("bench: non-finite gradients in the profile");
                Lap(3);
                sums.add_(stack(new[] { terms.Reconstruction.sum(), terms.Kl.sum() }).detach().to(float64));
            }
            Lap(4);
        }
        return new StepProfile(t[0] / steps, t[1] / steps, t[2] / steps, t[3] / steps, t[4] / steps);
    }

    /// <summary>
    /// The importance-weighted bound with k samples: batched over images (ImportanceWeighted.Mean) versus a loop over
    /// single images (ImportanceWeighted.LogLikelihood per image), the loop timed on a subset and extrapolated linearly.
    /// </summary>
    private void ImportanceWeightedTiming(Vae model, Tensor test, JsonObject summary)
    {
        int images = (int)Math.Min(o.IwImages ?? test.shape[0], test.shape[0]);
        int loopImages = Math.Min(o.IwLoopImages, images);
        using var data = test.narrow(0, 0, images);

        model.eval();
        if (loopImages > 0) log.WriteLine($"bench: importance-weighted bound, k = {o.IwK}: per-image loop over {loopImages} image(s)");
        double loopSum = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < loopImages; i++)
        {
            using var scope = NewDisposeScope();
            loopSum += ImportanceWeighted.LogLikelihood(model, data.narrow(0, i, 1), o.IwK, o.IwChunk).item<float>();
        }
        double loopSeconds = clock.Elapsed.TotalSeconds;
        double loopExtrapolated = loopImages > 0 ? loopSeconds * images / loopImages : double.NaN;

        log.WriteLine($"bench: importance-weighted bound, k = {o.IwK}: batched over {images} image(s)");
        clock.Restart();
        double bound = ImportanceWeighted.Mean(model, data, o.IwK, o.IwBatch, o.IwChunk);
        double batchedSeconds = clock.Elapsed.TotalSeconds;

        summary["iw_k"] = o.IwK;
        summary["iw_images"] = images;
        summary["iw_batch"] = o.IwBatch;
        summary["iw_chunk"] = o.IwChunk;
        summary["iw_bound"] = Num(bound);
        // -L_k: an upper bound on the negative log-likelihood, nats per image (and bits per pixel), tending to it as k grows.
        summary["iw_nll"] = Num(-bound);
        summary["iw_bits_per_dim"] = Num(BitsPerDimension.FromNats(-bound, Pixels), 5);
        summary["iw_batched_seconds"] = Num(batchedSeconds, 6);   // microseconds: a small run on a quiet machine takes under a millisecond
        summary["iw_loop_images"] = loopImages;
        summary["iw_seconds_per_image"] = Num(batchedSeconds / images, 8);   // the batched bound is linear in the image count
        summary["iw_loop_seconds_measured"] = loopImages > 0 ? Num(loopSeconds, 6) : null;
        summary["iw_loop_bound_subset"] = loopImages > 0 ? Num(loopSum / loopImages) : null;
        summary["iw_loop_seconds_extrapolated"] = Num(loopExtrapolated, 6);
        summary["iw_speedup"] = Num(loopExtrapolated / batchedSeconds, 3);
        summary["iw_decoder_gflops"] = Num(2.0 * DecoderMultiplyAdds() * o.IwK * images / batchedSeconds / 1e9, 2);
    }

    /// <summary>Multiply-adds of one decoder pass (what each importance sample costs, the encoder being run once per image).</summary>
    private long DecoderMultiplyAdds()
    {
        if (o.Model == "conv")
        {
            long c = o.Channels;
            return (long)o.Latent * 98 * c + 49 * 2 * c * c * 16 + 196 * c * 16;
        }
        long sum = 0;
        int last = o.Latent;
        foreach (int h in o.Hidden.Reverse()) { sum += (long)last * h; last = h; }
        return sum + (long)last * Pixels;
    }

    private void Write(JsonObject line)
    {
        output.WriteLine(line.ToJsonString());
        output.Flush();
    }

    /// <summary>A JSON number rounded to <paramref name="digits"/> decimals, or null when not finite (JSON has no NaN).</summary>
    private static JsonNode? Num(double value, int digits = 3) =>
        double.IsFinite(value) ? JsonValue.Create(Math.Round(value, digits)) : null;
}
