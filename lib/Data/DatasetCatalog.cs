namespace VaeCourse.Data;

/// <summary>
/// The datasets the course knows: <c>fashion-mnist</c> and <c>mnist</c>, each four gzip IDX files with the
/// standard names, the official mirrors, and SHA-256 values from the embedded <c>data/checksums.sha256</c>.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>The name of Fashion-MNIST (Zalando Research, MIT licence).</summary>
    public const string FashionMnist = "fashion-mnist";

    /// <summary>The name of MNIST (handwritten digits).</summary>
    public const string Mnist = "mnist";

    private static readonly Lazy<Dictionary<string, DatasetInfo>> All = new(Build);

    /// <summary>The known dataset names.</summary>
    public static IReadOnlyList<string> Names { get; } = [FashionMnist, Mnist];

    /// <summary>The four standard file names, in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> StandardFileNames { get; } =
    [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ];

    /// <summary>The images file name of a split (<c>train-images-idx3-ubyte.gz</c> or <c>t10k-images-idx3-ubyte.gz</c>).</summary>
    /// <param name="split">The split.</param>
    /// <returns>The file name.</returns>
    public static string ImagesFileName(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => StandardFileNames[0],
        DatasetSplit.Test => StandardFileNames[2],
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    /// <summary>The labels file name of a split (<c>train-labels-idx1-ubyte.gz</c> or <c>t10k-labels-idx1-ubyte.gz</c>).</summary>
    /// <param name="split">The split.</param>
    /// <returns>The file name.</returns>
    public static string LabelsFileName(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => StandardFileNames[1],
        DatasetSplit.Test => StandardFileNames[3],
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    /// <summary>The dataset called <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name"><c>fashion-mnist</c> or <c>mnist</c>.</param>
    /// <returns>Its description.</returns>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static DatasetInfo Get(string name)
    {
        if (TryGet(name, out DatasetInfo? info))
            return info;
        throw new ArgumentException(
            $"Unknown dataset '{name}'. Known datasets: {string.Join(", ", Names.Select(n => $"'{n}'"))}.", nameof(name));
    }

    /// <summary>Looks a dataset up by name (case-insensitive).</summary>
    /// <param name="name">The name.</param>
    /// <param name="info">The dataset, when found.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryGet(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DatasetInfo? info)
    {
        info = null;
        return name is not null && All.Value.TryGetValue(name.Trim(), out info);
    }

    private static Dictionary<string, DatasetInfo> Build()
    {
        var result = new Dictionary<string, DatasetInfo>(StringComparer.OrdinalIgnoreCase);
        void Add(string name, string description, string? debianPackage, params string[] mirrors) =>
            result[name] = new DatasetInfo(name, Files(name), mirrors.Select(m => new Uri(m)).ToArray())
            {
                DebianPackage = debianPackage,
                Description = description,
            };

        // Mirrors as used by torchvision (torchvision/datasets/mnist.py) and tensorflow-datasets.
        Add(FashionMnist, "Fashion-MNIST: 70,000 28x28 grayscale images of 10 kinds of clothing (Zalando Research, MIT licence)",
            "dataset-fashion-mnist",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");
        Add(Mnist, "MNIST: 70,000 28x28 grayscale images of handwritten digits",
            null,
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/");
        return result;
    }

    private static DatasetFile[] Files(string dataset) =>
        StandardFileNames.Select(f => new DatasetFile(f,
            ChecksumManifest.Embedded.Find($"{dataset}/{f}")
            ?? throw new InvalidOperationException(
                $"The embedded checksums.sha256 has no entry for '{dataset}/{f}'."))).ToArray();
}
