using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Model;

public class ConditionalVaeTests
{
    public ConditionalVaeTests() => Course.Setup(seed: 3);

    [Trait("Category", "Slow")]
    [Fact]
    public void ConditionalVaeTrainsWithTheTrainerAndSamplesTheRequestedClass()
    {
        var model = ConditionalVae.Mlp(dataSize: 8, classes: 3, hidden: new[] { 32 }, latentSize: 2);
        // Each class is a fixed pattern: class c lights features 2c..2c+2.
        var labels = randint(0, 3, new long[] { 600 }, dtype: int64);
        var x = zeros(600, 8);
        for (int c = 0; c < 3; c++) x.index_put_(1f, TensorIndex.Tensor(labels == c), TensorIndex.Slice(2 * c, 2 * c + 3));
        var rows = model.Join(x, labels);
        Assert.Equal(new long[] { 600, 11 }, rows.shape);
        var history = new Trainer(model, new TrainerOptions { Epochs = 30, BatchSize = 60, LearningRate = 1e-2 }).Fit(rows);
        Assert.True(history.Last.TrainNegativeElbo < history.Epochs[0].TrainNegativeElbo);
        var samples = model.Sample(tensor(new long[] { 0, 1, 2 }));
        Assert.Equal(new long[] { 3, 8 }, samples.shape);
        for (int c = 0; c < 3; c++)
            Assert.True(samples[c, 2 * c].item<float>() > 0.9f, $"class {c} sample: {string.Join(", ", samples[c].data<float>().ToArray())}");
    }

    [Trait("Category", "Slow")]
    [Fact]
    public void ConditionalVaeRejectsLabelsThatDoNotFit()
    {
        var model = ConditionalVae.Mlp(dataSize: 8, classes: 3, hidden: new[] { 8 }, latentSize: 2);
        var x = rand(4, 8);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => model.Join(x, tensor(new long[] { 0, 1, 2, 3 })));
        Assert.Contains("0..2", range.Message);
        var count = Assert.Throws<ArgumentException>(() => model.Join(x, tensor(new long[] { 0, 1 })));
        Assert.Contains("4 class indices", count.Message);
        Assert.Throws<ArgumentException>(() => model.Join(x, tensor(new float[] { 0, 1, 2, 0 })));
        Assert.Throws<ArgumentException>(() => model.Join(rand(4, 9), tensor(new long[] { 0, 1, 2, 0 })));
        Assert.Throws<ArgumentException>(() => new Trainer(model).Fit(rand(10, 8)));
    }

    [Fact]
    public void ConditionalVaeTakesIntegerLabelsOfAnyWidth()
    {
        manual_seed(4);
        var model = ConditionalVae.Mlp(dataSize: 8, classes: 3, hidden: new[] { 8 }, latentSize: 2);
        var x = rand(new long[] { 6, 8 }, generator: new Generator(2));
        var expected = model.Join(x, tensor(new long[] { 0, 1, 2, 0, 1, 2 }));
        foreach (var type in new[] { int32, ScalarType.Byte, int16 })
        {
            var labels = tensor(new long[] { 0, 1, 2, 0, 1, 2 }).to(type);
            Assert.True(allclose(expected, model.Join(x, labels), rtol: 0, atol: 0), $"labels of type {type}");
            Assert.Equal(new long[] { 6, 8 }, model.Sample(labels, new Generator(1)).shape);
        }
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => model.Join(x, tensor(new int[] { 0, 1, 2, 3, 0, 1 })));
        Assert.Contains("found values from 0 to 3", bad.Message);
    }
}
