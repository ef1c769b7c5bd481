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
