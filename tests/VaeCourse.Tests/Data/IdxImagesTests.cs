using VaeCourse.Data;
using static VaeCourse.Tests.Data.IdxTestFiles;

namespace VaeCourse.Tests.Data;

/// <summary>Images and labels loaded from IDX files: files written by the tests, and the real Fashion-MNIST files installed by Debian's dataset-fashion-mnist.</summary>
public sealed class IdxImagesTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, byte[] bytes) => _temp.Write(name, bytes);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_an_image_set(bool gzip)
    {
        var (images, labels, pixels, labelValues) = ImageFiles(3, 4, 5);
        string imagesPath = Write("img", gzip ? Gzip(images) : images);
        string labelsPath = Write("lbl", gzip ? Gzip(labels) : labels);

        IdxImages set = IdxImages.Load(imagesPath, labelsPath);

        Assert.Equal(3, set.Count);
        Assert.Equal(4, set.Rows);
        Assert.Equal(5, set.Cols);
        Assert.Equal(pixels, set.Pixels);
        Assert.Equal(labelValues, set.Labels);
        Assert.Equal(pixels.AsSpan(20, 20).ToArray(), set.GetImage(1).ToArray());
        Assert.Equal(pixels[7] / 255f, set.ToFloatPixels()[7]);
    }

    [Fact]
    public void Loads_a_split_from_a_folder_of_standard_files()
    {
        var (images, labels, pixels, _) = ImageFiles(2, 3, 3);
        Write("t10k-images-idx3-ubyte.gz", Gzip(images));
        Write("t10k-labels-idx1-ubyte.gz", Gzip(labels));
        IdxImages set = IdxImages.Load(_temp.Path, DatasetSplit.Test);
        Assert.Equal(pixels, set.Pixels);
    }

    [Fact]
    public void Rejects_a_label_count_that_differs_from_the_image_count()
    {
        var (images, _, _, _) = ImageFiles(3, 2, 2);
        string imagesPath = Write("img.idx", images);
        string labelsPath = Write("lbl.idx", UByte([2], [0, 1]));
        var e = Fails(() => IdxImages.Load(imagesPath, labelsPath), labelsPath, "label count", "expected 3", "found 2");
        Assert.Contains(imagesPath, e.Message);
    }

    [Fact]
    public void Rejects_an_image_file_given_as_labels()
    {
        var (images, _, _, _) = ImageFiles(3, 2, 2);
        string imagesPath = Write("img.idx", images);
        Fails(() => IdxImages.Load(imagesPath, imagesPath), imagesPath, "expected 1", "found 3");
    }

    [FashionMnistFact]
    public void The_Debian_Fashion_MNIST_training_set_loads()
    {
        IdxImages train = IdxImages.Load(FashionMnistFactAttribute.Folder, DatasetSplit.Train);

        Assert.Equal(60000, train.Count);
        Assert.Equal(28, train.Rows);
        Assert.Equal(28, train.Cols);
        Assert.Equal(60000 * 28 * 28, train.Pixels.Length);
        // Fashion-MNIST is balanced: 6000 training images per class 0..9.
        int[] perClass = new int[256];
        foreach (byte l in train.Labels)
            perClass[l]++;
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, perClass[c]));
        Assert.Equal(60000, perClass.Take(10).Sum());
        Assert.Equal(255, train.Pixels.Max());
    }

    [FashionMnistFact]
    public void The_Debian_Fashion_MNIST_test_set_loads()
    {
        IdxImages test = IdxImages.Load(FashionMnistFactAttribute.Folder, DatasetSplit.Test);

        Assert.Equal(10000, test.Count);
        Assert.Equal(28, test.Rows);
        Assert.Equal(28, test.Cols);
        Assert.All(test.Labels, l => Assert.InRange(l, (byte)0, (byte)9));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, test.Labels.Count(l => l == c)));
    }
}
