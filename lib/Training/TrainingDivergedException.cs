namespace VaeCourse.Training;

/// <summary>
/// Thrown when the loss, or the gradients of a finite loss, become NaN or infinite; the step is not taken, so the
/// model keeps its last finite parameters (and the optimiser its state).
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the given epoch and batch (both 1-based).</summary>
    public TrainingDivergedException(int epoch, int batch, double loss, double learningRate, TrainingHistory history)
        : this(epoch, batch, loss, learningRate, history, nonFiniteGradients: false)
    {
    }

    /// <summary>Creates the exception; <paramref name="nonFiniteGradients"/> says the loss was finite but its gradients were not.</summary>
    public TrainingDivergedException(int epoch, int batch, double loss, double learningRate, TrainingHistory history, bool nonFiniteGradients)
        : base((nonFiniteGradients
                   ? $"Training diverged: the gradients were NaN or infinite at epoch {epoch}, batch {batch} (the loss was still {loss}); the step was not taken. "
                   : $"Training diverged: the loss was {loss} at epoch {epoch}, batch {batch}. ") +
               "The model keeps its parameters from the last finite step. " +
               $"The usual cause is a learning rate too high for the model (it was {learningRate:g3}; try 1e-3 or less); inputs outside the decoder's range (a Bernoulli decoder needs values in [0, 1]) can also cause it.")
    {
        Epoch = epoch;
        Batch = batch;
        History = history;
        NonFiniteGradients = nonFiniteGradients;
    }

    /// <summary>True when the loss was finite but its gradients were not (the step was skipped).</summary>
    public bool NonFiniteGradients { get; }

    /// <summary>Epoch at which the loss stopped being finite (1-based).</summary>
    public int Epoch { get; }

    /// <summary>Batch within that epoch (1-based).</summary>
    public int Batch { get; }

    /// <summary>The history of the epochs that finished before.</summary>
    public TrainingHistory History { get; }
}
