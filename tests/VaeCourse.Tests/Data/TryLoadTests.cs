using VaeCourse.Data;

namespace VaeCourse.Tests;

public class TryLoadTests
{
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
}
