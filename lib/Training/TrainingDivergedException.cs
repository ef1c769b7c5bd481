namespace VaeCourse.Training;

/// <summary>Thrown when the loss becomes NaN or infinite; the model keeps its last finite parameters.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the given epoch and batch (both 1-based).</summary>
    public TrainingDivergedException(int epoch, int batch, double loss, double learningRate, TrainingHistory history)
        : base($"Training diverged: the loss was {loss} at epoch {epoch}, batch {batch}. The model keeps its parameters from the last finite step. " +
               $"The usual cause is a learning rate too high for the model (it was {learningRate:g3}; try 1e-3 or less); inputs outside the decoder's range (a Bernoulli decoder needs values in [0, 1]) can also cause it.")
    {
        Epoch = epoch;
        Batch = batch;
        History = history;
    }

    /// <summary>Epoch at which the loss stopped being finite (1-based).</summary>
    public int Epoch { get; }

    /// <summary>Batch within that epoch (1-based).</summary>
    public int Batch { get; }

    /// <summary>The history of the epochs that finished before.</summary>
    public TrainingHistory History { get; }
}
