using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Training;

/// <summary>Settings of a training run; every value is checked by <see cref="Validate"/> before any work.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training set (at least 1).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Examples per optimisation step (at least 1).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Step size of the optimiser (positive).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Weight of the KL term in the objective, Reconstruction + Beta * KL (Higgins et al. 2017); 1 is the ELBO.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>
    /// KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): over the first KlWarmupEpochs epochs the weight of the
    /// KL term rises linearly, step by step, from 0 to <see cref="Beta"/>, then stays there. 0 (the default) turns it off.
    /// Fractions are allowed (0.5 = half an epoch). It lets the decoder learn to use z before the KL term pulls q(z|x)
    /// to the prior, a remedy for posterior collapse.
    /// </summary>
    public double KlWarmupEpochs { get; init; } = 0;

    /// <summary>
    /// <see cref="Training.Binarization.Dynamic"/> draws binary pixels from the grey levels of each batch, afresh every
    /// epoch (dynamic binarization); <see cref="Training.Binarization.None"/> (the default) trains on the data as given.
    /// Held-out data passed to <see cref="Trainer.Fit"/> is evaluated as given: binarize it once with
    /// <see cref="Data.ImageData.Binarize(long)"/> so that every epoch is scored on the same binary images.
    /// </summary>
    public Binarization Binarization { get; init; } = Binarization.None;

    /// <summary>Seed of the batch order and of every random draw during training.</summary>
    public long Seed { get; init; } = 0;

    /// <summary>Examples per batch when evaluating held-out data (memory only; results do not depend on it).</summary>
    public int EvaluationBatchSize { get; init; } = 1000;

    /// <summary>How often the progress callback hears from a running epoch.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>
    /// Makes the optimiser from the parameters and the learning rate. When null, Adam (Kingma and Ba 2015) with
    /// <c>torch.optim.Adam</c>'s defaults: <see cref="FusedAdam.Create"/>, which is a <see cref="FusedAdam"/> for a
    /// float32 CPU model and <c>torch.optim.Adam</c> for any other.
    /// </summary>
    public Func<IEnumerable<TorchSharp.Modules.Parameter>, double, optim.Optimizer>? Optimizer { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (EvaluationBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, "EvaluationBatchSize must be at least 1.");
        Check.PositiveFinite(LearningRate, nameof(LearningRate));
        Check.NonNegativeFinite(Beta, nameof(Beta));
        Check.NonNegativeFinite(KlWarmupEpochs, nameof(KlWarmupEpochs));
        if (!Enum.IsDefined(Binarization)) throw new ArgumentOutOfRangeException(nameof(Binarization), Binarization, "Binarization must be None or Dynamic.");
        if (ProgressInterval < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "ProgressInterval must not be negative.");
    }
}
