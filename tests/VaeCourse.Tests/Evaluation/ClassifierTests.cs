using VaeCourse.Evaluation;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Evaluation;

/// <summary>The judge of generated images: it learns a task it can learn, the same seed trains the same classifier, and bad input is refused by name.</summary>
public class ClassifierTests
{
    public ClassifierTests() => Course.Setup(seed: 0);

    /// <summary>Three noisy prototypes in 32 features, one per class: a task a one-hidden-layer network learns in a few epochs.</summary>
    private static (Tensor Images, Tensor Labels) Prototypes(int n, ulong seed)
    {
        var g = new Generator(seed);
        var prototypes = (rand(new long[] { 3, 32 }, generator: new Generator(7)) > 0.5).to(float32);
        var labels = randint(0, 3, new long[] { n }, generator: g);
        var images = (prototypes.index_select(0, labels) * 0.6f + rand(new long[] { n, 32 }, generator: g) * 0.4f).clamp(0, 1);
        return (images, labels);
    }

    [Fact]
    public void It_learns_a_separable_task_and_its_outputs_agree()
    {
        var (images, labels) = Prototypes(600, 1);
        var (heldOut, heldOutLabels) = Prototypes(300, 2);
        var epochs = new List<int>();
        var classifier = Classifier.Train(images, labels, epochs: 3, seed: 5, classes: 3, hidden: 16, batchSize: 32,
            epochFinished: (epoch, c) => { epochs.Add(epoch); Assert.True(c.training, "the classifier is training between epochs"); });
        Assert.Equal(new[] { 1, 2, 3 }, epochs);
        Assert.False(classifier.training, "Train returns the classifier in evaluation mode");
        Assert.True(classifier.Accuracy(heldOut, heldOutLabels) > 0.95, $"held-out accuracy {classifier.Accuracy(heldOut, heldOutLabels)}");

        var probabilities = classifier.Probabilities(heldOut);
        Assert.Equal(new long[] { 300, 3 }, probabilities.shape);
        Assert.True(probabilities.sum(1).sub(1).abs().max().item<float>() < 1e-5, "each row of probabilities sums to 1");
        Assert.True(Bits.Same(classifier.Predict(heldOut), probabilities.argmax(1)), "Predict is the most probable class");
        Assert.Equal(ScalarType.Int64, classifier.Predict(heldOut).dtype);
    }

    [Fact]
    public void The_same_seed_trains_the_same_classifier_and_another_seed_another()
    {
        var (images, labels) = Prototypes(200, 1);
        var a = Classifier.Train(images, labels, epochs: 1, seed: 5, classes: 3, hidden: 8, batchSize: 32);
        manual_seed(123); // the global generator's state before the call does not matter: Train seeds it
        var b = Classifier.Train(images, labels, epochs: 1, seed: 5, classes: 3, hidden: 8, batchSize: 32);
        var c = Classifier.Train(images, labels, epochs: 1, seed: 6, classes: 3, hidden: 8, batchSize: 32);
        foreach (var ((name, p), (_, q)) in a.state_dict().Zip(b.state_dict()))
            Assert.True(Bits.Same(p, q), $"{name} differs between two runs with seed 5");
        Assert.False(a.state_dict().Zip(c.state_dict()).All(pair => Bits.Same(pair.First.Value, pair.Second.Value)), "seed 6 trained the same parameters as seed 5");
    }

    [Fact]
    public void Bad_input_is_refused_with_a_message_naming_the_argument()
    {
        var (images, labels) = Prototypes(50, 1);
        Assert.Contains("[50]", Assert.Throws<ArgumentException>("labels", () => Classifier.Train(images, labels[..40], 1, seed: 0, classes: 3)).Message);
        Assert.Contains("int64", Assert.Throws<ArgumentException>("labels", () => Classifier.Train(images, labels.to(float32), 1, seed: 0, classes: 3)).Message);
        Assert.Contains("0 to 1", Assert.Throws<ArgumentException>("labels", () => Classifier.Train(images, labels, 1, seed: 0, classes: 2)).Message);
        Assert.Throws<ArgumentException>("images", () => Classifier.Train(images.view(50, 4, 8), labels, 1, seed: 0, classes: 3));
        Assert.Throws<ArgumentOutOfRangeException>("epochs", () => Classifier.Train(images, labels, 0, seed: 0, classes: 3));
        var classifier = Classifier.Train(images, labels, 1, seed: 0, classes: 3, hidden: 4);
        Assert.Throws<ArgumentException>("images", () => classifier.Predict(rand(5, 31)));
        Assert.Throws<ArgumentException>("labels", () => classifier.Accuracy(images, labels[..10]));
    }
}
