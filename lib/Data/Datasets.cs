using TorchSharp;
using static TorchSharp.torch;

namespace VaeCourse.Data;

/// <summary>Loads the course's data sets as tensors.</summary>
public static class Datasets
{
    /// <summary>Fashion-MNIST's class names (Xiao, Rasul and Vollgraf 2017), by label.</summary>
    public static readonly IReadOnlyList<string> FashionMnistClasses = new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>MNIST's class names: the digits.</summary>
    public static readonly IReadOnlyList<string> MnistClasses = Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray();

    /// <summary>
    /// Loads "fashion-mnist" or "mnist" (found or downloaded by <see cref="DatasetResolver"/>) as training and test
    /// <see cref="ImageData"/>, keeping the first <paramref name="trainLimit"/> / <paramref name="testLimit"/> images when given.
    /// Pixels are grey levels in [0, 1]; <c>Load().Test.Binarize(seed)</c> gives a fixed binarized test set
    /// (<see cref="ImageData.Binarize(long)"/>), and <see cref="Training.TrainerOptions.Binarization"/> dynamic binarization of training batches.
    /// </summary>
    public static (ImageData Train, ImageData Test) Load(string name = DatasetCatalog.FashionMnist, int? trainLimit = null, int? testLimit = null,
        DatasetResolverOptions? options = null)
    {
        var info = DatasetCatalog.Get(name);
        if (trainLimit is < 1) throw new ArgumentOutOfRangeException(nameof(trainLimit), trainLimit, "trainLimit must be at least 1 (or null for all images).");
        if (testLimit is < 1) throw new ArgumentOutOfRangeException(nameof(testLimit), testLimit, "testLimit must be at least 1 (or null for all images).");
        string folder = DatasetResolver.Resolve(info, options);
        var classes = info.Name == DatasetCatalog.Mnist ? MnistClasses : FashionMnistClasses;
        return (ImageData.FromIdx(IdxImages.Load(folder, DatasetSplit.Train), classes, trainLimit),
                ImageData.FromIdx(IdxImages.Load(folder, DatasetSplit.Test), classes, testLimit));
    }

    /// <summary>
    /// Loads an optional data set as <see cref="Load"/> does, for a notebook that has a fallback: false, with the
    /// resolver's first line in <paramref name="whyNot"/>, when the data set is found nowhere and cannot be downloaded
    /// (<see cref="DatasetNotFoundException"/>); any other error still throws. The notebook runner's pre-flight check
    /// requires the data sets of <see cref="Load"/> calls only.
    /// </summary>
    public static bool TryLoad(string name, out (ImageData Train, ImageData Test) sets, out string? whyNot,
        int? trainLimit = null, int? testLimit = null, DatasetResolverOptions? options = null)
    {
        try
        {
            sets = Load(name, trainLimit, testLimit, options);
            whyNot = null;
            return true;
        }
        catch (DatasetNotFoundException e)
        {
            sets = default;
            whyNot = e.Message.Split('\n')[0].TrimEnd('.', ':', ' ');
            return false;
        }
    }

    /// <summary>The article's example data, NumPy's <c>np.random.seed(0); np.random.rand(1000, 20)</c>, bit for bit: [1000, 20] float32.</summary>
    public static Tensor ArticleData() => tensor(Synthetic.ArticleData(), new long[] { Synthetic.ArticleRows, Synthetic.ArticleCols });

    /// <summary>A labelled 2-D point set for pictures of a latent space: "moons", "circles" or "blobs".</summary>
    public static (Tensor Points, Tensor Labels) Points2D(string kind, int count = 1000, uint seed = 0)
    {
        var (xy, labels) = kind switch
        {
            "moons" => Synthetic.TwoMoons(count, seed: seed),
            "circles" => Synthetic.Circles(count, seed: seed),
            "blobs" => Synthetic.GaussianBlobs(count, seed: seed),
            _ => throw new ArgumentException($"kind must be \"moons\", \"circles\" or \"blobs\"; got \"{kind}\".", nameof(kind)),
        };
        return (tensor(xy, new long[] { labels.Length, 2 }), tensor(labels.Select(l => (long)l).ToArray()));
    }
}
