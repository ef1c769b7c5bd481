namespace VaeCourse.Training;

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
