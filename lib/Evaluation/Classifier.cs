using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Evaluation;

/// <summary>
/// A small image classifier used as a judge of generated images: it says which class a decoded sample looks like,
/// without knowing what was asked for (notebook 01 counts the kinds among a VAE's prior draws, notebook 08 checks a
/// conditional VAE's samples against the class requested). Judging samples with a classifier trained on real data is the
/// idea behind classifier-based scores of generative models such as the Inception score (Salimans et al. 2016).
/// </summary>
/// <remarks>
/// One hidden layer (by default 784-256-10, ReLU) trained by <see cref="Train"/> with the cross-entropy of the labels and
/// <c>optim.Adam</c>, in shuffled mini-batches: a plain TorchSharp loop with one dispose scope per step, so a step's
/// tensors are freed at once. The parameters are initialised from libtorch's global generator after seeding it with the
/// seed given, and the batch order is drawn from a generator of its own with the same seed.
/// </remarks>
public sealed class Classifier : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Sequential network;

    /// <summary>The number of classes, the width of <see cref="forward"/>'s output.</summary>
    public int Classes { get; }

    /// <summary>The number of features of an input image.</summary>
    public int InputSize { get; }

    /// <summary>An untrained classifier with parameters drawn from libtorch's global generator as it is now.</summary>
    public Classifier(int inputSize = 784, int hidden = 256, int classes = 10) : base(nameof(Classifier))
    {
        Check.Positive(inputSize, nameof(inputSize));
        Check.Positive(hidden, nameof(hidden));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A classifier needs at least 2 classes.");
        (InputSize, Classes) = (inputSize, classes);
        network = nn.Sequential(nn.Linear(inputSize, hidden), nn.ReLU(), nn.Linear(hidden, classes));
        RegisterComponents();
    }

    /// <summary>The logits of every class, [N, <see cref="Classes"/>], for images [N, <see cref="InputSize"/>].</summary>
    public override Tensor forward(Tensor images) => network.forward(images);

    /// <summary>
    /// Trains a new classifier on <paramref name="images"/> [N, D] with their <paramref name="labels"/> [N] (int64, 0 to
    /// <paramref name="classes"/> − 1) for <paramref name="epochs"/> passes in shuffled batches, and returns it in evaluation mode.
    /// </summary>
    /// <param name="images">Training images, [N, D].</param>
    /// <param name="labels">Their classes, [N], int64.</param>
    /// <param name="epochs">Passes over the images (at least 1).</param>
    /// <param name="seed">Seeds libtorch's global generator before the parameters are drawn, and the batch order's own generator.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="hidden">Units of the hidden layer.</param>
    /// <param name="batchSize">Images per step.</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    /// <param name="epochFinished">Called after each epoch with its number and the classifier as it is then (to report progress), or null.</param>
    /// <exception cref="ArgumentException">The images are not [N, D] with N at least 1, the labels are not N int64 values, or a label is outside 0 to classes − 1; the message names the argument and what was expected.</exception>
    public static Classifier Train(Tensor images, Tensor labels, int epochs, long seed, int classes = 10, int hidden = 256,
        int batchSize = 128, double learningRate = 1e-3, Action<int, Classifier>? epochFinished = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        Check.Positive(epochs, nameof(epochs));
        Check.Positive(batchSize, nameof(batchSize));
        Check.PositiveFinite(learningRate, nameof(learningRate));
        if (images.dim() != 2 || images.shape[0] < 1)
            throw new ArgumentException($"images must be [examples, features] with at least one example; got {Check.Shape(images)}.", nameof(images));
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0] || labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"labels must be one int64 class per image, [{images.shape[0]}]; got {labels.dtype} {Check.Shape(labels)}.", nameof(labels));
        using (no_grad())
        {
            long lowest = labels.min().item<long>(), highest = labels.max().item<long>();
            if (lowest < 0 || highest >= classes)
                throw new ArgumentException($"labels must lie in 0 to {classes - 1} (classes = {classes}); they range from {lowest} to {highest}.", nameof(labels));
        }

        torch.manual_seed(seed);
        var model = new Classifier((int)images.shape[1], hidden, classes);
        using var optimizer = optim.Adam(model.parameters(), learningRate);
        var order = new Generator((ulong)seed);
        long n = images.shape[0];
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            model.train();
            using var permutation = randperm(n, generator: order);
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = permutation.narrow(0, start, Math.Min(batchSize, n - start));
                var loss = nn.functional.cross_entropy(model.forward(images.index_select(0, batch)), labels.index_select(0, batch));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            epochFinished?.Invoke(epoch, model);
        }
        model.eval();
        return model;
    }

    /// <summary>The predicted probability of every class, [N, <see cref="Classes"/>] (softmax of the logits, in evaluation mode, without gradients).</summary>
    public Tensor Probabilities(Tensor images)
    {
        using var _ = no_grad();
        return Evaluated(() => forward(Fits(images)).softmax(1));
    }

    /// <summary>The most probable class of every image, [N], int64.</summary>
    public Tensor Predict(Tensor images)
    {
        using var _ = no_grad();
        return Evaluated(() => forward(Fits(images)).argmax(1));
    }

    /// <summary>The share of <paramref name="images"/> whose predicted class is their label, in [0, 1].</summary>
    public double Accuracy(Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        var predicted = Predict(images);
        if (labels.dim() != 1 || labels.shape[0] != predicted.shape[0])
            throw new ArgumentException($"labels must hold one class per image, [{predicted.shape[0]}]; got {Check.Shape(labels)}.", nameof(labels));
        return (predicted == labels).to(float64).mean().item<double>();
    }

    private Tensor Fits(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        Check.FitsInput(images, InputSize, nameof(images));
        return images;
    }

    /// <summary>Runs <paramref name="f"/> in evaluation mode and restores the mode the classifier was in.</summary>
    private Tensor Evaluated(Func<Tensor> f)
    {
        bool wasTraining = training;
        eval();
        try { return f(); }
        finally { train(wasTraining); }
    }
}
