using VaeCourse.Data;
using Xunit;

namespace VaeCourse.Tests;

/// <summary>Reads the real Fashion-MNIST files installed by Debian's dataset-fashion-mnist.</summary>
public sealed class RealDatasetTests
{
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

    [FashionMnistFact]
    public void The_resolver_finds_the_Debian_package_when_nothing_else_is_there()
    {
        using var temp = new TempFolder();
        string folder = DatasetResolver.Resolve("fashion-mnist", new DatasetResolverOptions
        {
            GetEnvironmentVariable = _ => null,
            CacheDirectory = temp.Combine("cache"),
            AllowDownload = false,
        });
        Assert.Equal(FashionMnistFactAttribute.Folder, folder);
    }
}
