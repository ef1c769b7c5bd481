namespace VaeCourse.Training;

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
