using System.Diagnostics;
using TorchSharp;
using VaeCourse.Data;
using VaeCourse.Model;
using static TorchSharp.torch;

namespace VaeCourse.Training;

/// <summary>
/// Minibatch training of a <see cref="LatentModel"/>, whose forward pass returns per-example <see cref="LossTerms"/> (a <see cref="Vae"/>,
/// a <see cref="ConditionalVae"/>, an <see cref="Autoencoder"/>): the data set is one tensor [N, D], each epoch draws a permutation and
/// takes its batches by index, every step runs inside a dispose scope so memory stays flat, and the
/// objective is the batch mean of Reconstruction + beta * KL (Kingma and Welling 2013, algorithm 1). With
/// <see cref="Binarization.Dynamic"/> each batch is binarized as it is taken (dynamic binarization).
/// </summary>
public sealed class Trainer
{
    private readonly LatentModel model;
    private readonly TrainerOptions options;
    private readonly optim.Optimizer optimizer;
    private readonly List<TorchSharp.Modules.Parameter> parameters;
    private readonly Generator order; // the batch order's own stream, apart from the global one that draws the noise
    private readonly Generator? binarizer; // dynamic binarization's own stream, so the order is the same with and without it
    private long steps; // optimisation steps taken by every Fit so far: the clock of the KL warm-up

    /// <summary>Prepares to train <paramref name="model"/>; the optimiser is made once, so repeated <see cref="Fit"/> calls continue training.</summary>
    public Trainer(LatentModel model, TrainerOptions? options = null)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        this.options = options ?? new TrainerOptions();
        this.options.Validate();
        parameters = model.parameters().ToList();
        optimizer = this.options.Optimizer?.Invoke(parameters, this.options.LearningRate)
                    ?? FusedAdam.Create(parameters, this.options.LearningRate);
        order = new Generator(StreamSeed(this.options.Seed, 0));
        binarizer = this.options.Binarization == Binarization.Dynamic ? new Generator(StreamSeed(this.options.Seed, 1)) : null;
    }

    /// <summary>
    /// The seed of the trainer's own generator number <paramref name="stream"/> (0: batch order, 1: dynamic binarization):
    /// <paramref name="seed"/> and the stream number passed through the SplitMix64 finaliser (Steele, Lea and Flood 2014),
    /// so that no stream is the one the global generator draws from the same seed.
    /// </summary>
    private static ulong StreamSeed(long seed, int stream)
    {
        ulong z = unchecked((ulong)seed + (ulong)(stream + 1) * 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>
    /// The optimiser this trainer steps: <see cref="TrainerOptions.Optimizer"/>'s, or by default Adam with the learning
    /// rate, a <see cref="FusedAdam"/> for a float32 CPU model and <c>torch.optim.Adam</c> otherwise.
    /// </summary>
    public optim.Optimizer Optimizer => optimizer;

    /// <summary>The settings of this trainer.</summary>
    public TrainerOptions Options => options;

    /// <summary>
    /// Trains for <see cref="TrainerOptions.Epochs"/> epochs on <paramref name="train"/> ([N, D] float),
    /// evaluating <paramref name="test"/> after each epoch when given, and calling
    /// <paramref name="progress"/> during and after each epoch. The first call seeds the global generator with
    /// <see cref="TrainerOptions.Seed"/>; a later call continues the batch order, the noise and the KL warm-up
    /// where the previous one stopped, so two calls of one epoch train as one call of two. Throws
    /// <see cref="TrainingDivergedException"/> if the loss or its gradients stop being finite (the step is then not
    /// taken), and <see cref="ArgumentException"/> before any work if the data does not fit the model.
    /// </summary>
    public TrainingHistory Fit(Tensor train, Tensor? test = null, Action<TrainingProgress>? progress = null)
    {
        ValidateData(train, test);
        int batches = (int)((train.shape[0] + options.BatchSize - 1) / options.BatchSize);
        var history = new TrainingHistory();
        if (steps == 0) manual_seed(options.Seed);
        var device = model.Device;
        using var sums = zeros(2, dtype: float64, device: device);
        var run = new FitRun(train, test, batches, device, sums, Stopwatch.StartNew(), history, progress);
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var record = RunEpoch(run, epoch);
            history.Add(record);
            progress?.Invoke(new TrainingProgress(epoch, options.Epochs, batches, batches, record.TrainReconstruction, record.TrainKl, run.Clock.Elapsed, record));
        }
        model.eval();
        return history;
    }

    /// <summary>What the epochs of one <see cref="Fit"/> call share: the data, the batch count, the running sums of the two terms, the clock since the start.</summary>
    private sealed record FitRun(Tensor Train, Tensor? Test, int Batches, Device Device, Tensor Sums, Stopwatch Clock, TrainingHistory History,
        Action<TrainingProgress>? Progress);

    /// <summary>
    /// Rejects, before any work, data that is malformed, that does not fit the model's input size, whose held-out part
    /// differs in width from the training part, or that dynamic binarization cannot read as grey levels.
    /// </summary>
    private void ValidateData(Tensor train, Tensor? test)
    {
        CheckData(train, nameof(train));
        if (test is not null) CheckData(test, nameof(test));
        Check.FitsInput(train, model.InputSize, nameof(train));
        if (test is not null)
        {
            Check.FitsInput(test, model.InputSize, nameof(test));
            if (test.shape[1] != train.shape[1])
                throw new ArgumentException($"test has {test.shape[1]} features per example but train has {train.shape[1]}; both must have the model's input size.", nameof(test));
        }
        if (options.Binarization == Binarization.Dynamic) ImageData.CheckGreyLevels(train, nameof(train));
    }

    /// <summary>
    /// One epoch: a step per batch of a fresh permutation, progress while it runs, then the held-out evaluation.
    /// Returns the epoch's record.
    /// </summary>
    private EpochRecord RunEpoch(FitRun run, int epoch)
    {
        model.train();
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        run.Sums.zero_();
        long n = run.Train.shape[0], seen = 0;
        using (var drawn = randperm(n, generator: order)) // the CPU generator fixes the order on every device
        using (var permutation = OnDevice(drawn, run.Train.device))
        {
            for (int b = 0; b < run.Batches; b++)
            {
                long start = (long)b * options.BatchSize;
                long size = Math.Min(options.BatchSize, n - start);
                Step(run, permutation, start, size, epoch, b + 1);
                seen += size;
                if (run.Progress is not null && clock.Elapsed - lastReport >= options.ProgressInterval && b + 1 < run.Batches)
                {
                    lastReport = clock.Elapsed;
                    var (r, k) = Means(run.Sums, seen);
                    run.Progress(new TrainingProgress(epoch, options.Epochs, b + 1, run.Batches, r, k, run.Clock.Elapsed, null));
                }
            }
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        var (rec, kl) = Means(run.Sums, seen);
        double? testRec = null, testKl = null;
        if (run.Test is not null)
            (testRec, testKl) = Evaluate(model, run.Test, options.EvaluationBatchSize);
        return new EpochRecord(epoch, rec, kl, testRec, testKl, clock.Elapsed.TotalSeconds, n / trainSeconds, BetaAt(steps - 1, run.Batches));
    }

    /// <summary>
    /// One optimisation step, inside a dispose scope so memory stays flat, on the <paramref name="size"/> rows of
    /// <paramref name="permutation"/> from <paramref name="start"/> (binarized afresh under dynamic binarization); adds the
    /// batch's sums of the two terms to the run's. Throws <see cref="TrainingDivergedException"/>, without stepping, when
    /// the loss or a gradient is not finite.
    /// </summary>
    private void Step(FitRun run, Tensor permutation, long start, long size, int epoch, int batch)
    {
        using var scope = NewDisposeScope();
        var rows = run.Train.index_select(0, permutation.narrow(0, start, size));
        if (binarizer is not null) rows = ImageData.DrawBinary(rows, binarizer); // a fresh draw each epoch
        var x = OnDevice(rows, run.Device);
        using var terms = model.forward(x);
        double beta = BetaAt(steps, run.Batches);
        var loss = terms.Loss(beta);
        double value = loss.ToDouble();   // any floating dtype: float32, float64, ...
        if (!double.IsFinite(value))
            throw new TrainingDivergedException(epoch, batch, value, options.LearningRate, run.History);
        optimizer.zero_grad();
        loss.backward();
        if (!TryStep()) // a finite loss can still have NaN or infinite gradients: never step with them
            throw new TrainingDivergedException(epoch, batch, value, options.LearningRate, run.History, nonFiniteGradients: true);
        steps++;
        run.Sums.add_(stack(new[] { terms.Reconstruction.sum(), terms.Kl.sum() }).detach().to(float64));
    }

    /// <summary>
    /// Steps the optimiser unless a gradient is NaN or infinite (then returns false, nothing changed). A
    /// <see cref="FusedAdam"/> checks the gradients in its own step; any other optimiser steps after
    /// <see cref="Check.FiniteGradients"/>.
    /// </summary>
    private bool TryStep()
    {
        if (optimizer is FusedAdam fused) return fused.TryStep();
        if (!Check.FiniteGradients(parameters)) return false;
        optimizer.step();
        return true;
    }

    /// <summary>The weight of the KL term at optimisation step <paramref name="step"/> (0-based): <see cref="TrainerOptions.Beta"/> after the warm-up.</summary>
    private double BetaAt(long step, int batchesPerEpoch)
    {
        if (options.KlWarmupEpochs <= 0) return options.Beta;
        double warmupSteps = options.KlWarmupEpochs * batchesPerEpoch;
        return options.Beta * Math.Min(1.0, (step + 1) / warmupSteps);
    }

    /// <summary>
    /// Mean reconstruction loss and KL per example over <paramref name="data"/>, in evaluation mode and
    /// without gradients, in batches of <paramref name="batchSize"/>.
    /// </summary>
    public static (double Reconstruction, double Kl) Evaluate(LatentModel model, Tensor data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckData(data, nameof(data));
        Check.Positive(batchSize, nameof(batchSize));
        Check.FitsInput(data, model.InputSize, nameof(data));
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var device = model.Device;
            using var sums = zeros(2, dtype: float64, device: device);
            long n = data.shape[0];
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                using var terms = model.forward(OnDevice(data.narrow(0, start, Math.Min(batchSize, n - start)), device));
                sums.add_(stack(new[] { terms.Reconstruction.sum(), terms.Kl.sum() }).to(float64));
            }
            return Means(sums, n);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary><paramref name="t"/> itself when it is already on <paramref name="device"/>, else a copy there.</summary>
    private static Tensor OnDevice(Tensor t, Device device) =>
        t.device_type == device.type && t.device_index == device.index ? t : t.to(device);

    private static (double, double) Means(Tensor sums, long count)
    {
        using var host = sums.cpu();
        var v = host.data<double>();
        return (v[0] / count, v[1] / count);
    }

    private static void CheckData(Tensor data, string name)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        if (data.dim() != 2 || data.shape[0] < 1)
            throw new ArgumentException($"{name} must be a [examples, features] tensor with at least one example; got shape [{string.Join(", ", data.shape)}].", name);
        if (!data.is_floating_point())
            throw new ArgumentException($"{name} must hold floating-point values (got {data.dtype}); scale pixel bytes to [0, 1] first.", name);
    }
}
