using VaeCourse.Data;
using static VaeCourse.Tests.Rejection;

namespace VaeCourse.Tests.Data;

public class DatasetsTests
{
    public DatasetsTests() => Course.Setup(seed: 0);

    [Fact]
    public void AnOptionalDataSetFoundNowhereIsFalseWithTheResolversReason()
    {
        using var temp = new TempFolder();
        var nowhere = new DatasetResolverOptions
        {
            GetEnvironmentVariable = _ => null,
            RepositoryRoot = temp.Path,
            CacheDirectory = temp.Sub("cache"),
            SystemDirectories = [temp.Sub("system")],
            AllowDownload = false,
        };
        bool found = Datasets.TryLoad("mnist", out var sets, out string? whyNot, options: nowhere);
        Assert.False(found);
        Assert.Null(sets.Train);
        Assert.Contains("'mnist' was not found", whyNot);
        Assert.DoesNotContain("\n", whyNot);
        // Any other error is not a missing data set, and still throws.
        Assert.Throws<ArgumentException>(() => Datasets.TryLoad("no-such-set", out _, out _, options: nowhere));
    }

    [Theory]
    [InlineData("cifar-10")]
    [InlineData("")]
    [InlineData("fashion_mnist")]
    [InlineData(null)]
    public void Datasets_Load_rejects_unknown_names_listing_the_known_ones(string? name) =>
        Rejects(() => Datasets.Load(name!, options: NoSources), "name", "Unknown dataset", "'fashion-mnist'", "'mnist'");

    [Theory]
    [InlineData(0, null, "trainLimit")]
    [InlineData(-100, null, "trainLimit")]
    [InlineData(null, 0, "testLimit")]
    [InlineData(null, -1, "testLimit")]
    public void Datasets_Load_rejects_limits_below_1_before_looking_for_files(int? trainLimit, int? testLimit, string param) =>
        Rejects(() => Datasets.Load(DatasetCatalog.FashionMnist, trainLimit, testLimit, NoSources), param, param, AtLeast1);

    /// <summary>Options under which any lookup would fail: the checks must come first.</summary>
    private static readonly DatasetResolverOptions NoSources = new()
    {
        GetEnvironmentVariable = _ => null,
        CacheDirectory = Path.Combine(Path.GetTempPath(), "vae-settings-tests-no-such-folder"),
        SystemDirectories = [],
        AllowDownload = false,
    };

    [Theory]
    [InlineData("spirals", 100, "kind")]
    [InlineData("", 100, "kind")]
    [InlineData("moons", -1, "count")]
    public void Datasets_Points2D(string kind, int count, string param) =>
        Rejects(() => Datasets.Points2D(kind, count), param, param);
}
