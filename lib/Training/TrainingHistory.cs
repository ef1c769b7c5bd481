namespace VaeCourse.Training;

/// <summary>
/// What one epoch measured, as means per example in nats: on the training set (running means over the
/// epoch's batches, as the model changed) and on held-out data (after the epoch, in evaluation mode).
/// <see cref="Beta"/> is the weight of the KL term at the epoch's last step (below the target during a KL warm-up).
/// </summary>
public sealed record EpochRecord(
    int Epoch,
    double TrainReconstruction,
    double TrainKl,
    double? TestReconstruction,
    double? TestKl,
    double Seconds,
    double SamplesPerSecond,
    double Beta = 1.0)
{
    /// <summary>Training negative ELBO: reconstruction + KL.</summary>
    public double TrainNegativeElbo => TrainReconstruction + TrainKl;

    /// <summary>Held-out negative ELBO, when held-out data was given.</summary>
    public double? TestNegativeElbo => TestReconstruction + TestKl;
}

/// <summary>The per-epoch records of a training run, in order.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochRecord> epochs = new();

    /// <summary>The records, first epoch first.</summary>
    public IReadOnlyList<EpochRecord> Epochs => epochs;

    /// <summary>The last record (throws when no epoch finished).</summary>
    public EpochRecord Last => epochs.Count > 0 ? epochs[^1] : throw new InvalidOperationException("No epoch has finished yet.");

    /// <summary>Seconds spent in all epochs.</summary>
    public double Seconds => epochs.Sum(e => e.Seconds);

    internal void Add(EpochRecord record) => epochs.Add(record);
}

/// <summary>A snapshot of a running training, for a live progress line.</summary>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Batch, int Batches,
    double Reconstruction, double Kl, TimeSpan Elapsed, EpochRecord? Finished)
{
    /// <summary>Fraction of the whole run done, 0 to 1.</summary>
    public double Fraction => ((Epoch - 1) + (double)Batch / Batches) / Epochs;

    /// <summary>A one-line summary such as "epoch 3/10 [#####.....] 52% recon 250.1 KL 14.2 nelbo 264.3 ...".</summary>
    public override string ToString()
    {
        int filled = (int)Math.Round(20 * Fraction);
        string bar = new string('#', filled) + new string('.', 20 - filled);
        string eta = Fraction > 0 ? $" eta {TimeSpan.FromSeconds(Elapsed.TotalSeconds * (1 - Fraction) / Fraction):mm\\:ss}" : "";
        string test = Finished?.TestNegativeElbo is double t ? $" | held-out nelbo {t:F1}" : "";
        return $"epoch {Epoch}/{Epochs} [{bar}] {100 * Fraction,3:F0}% | recon {Reconstruction:F2} KL {Kl:F2} nelbo {Reconstruction + Kl:F2}{test} | {Elapsed:mm\\:ss}{eta}";
    }
}
