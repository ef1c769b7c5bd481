using System.Text.RegularExpressions;
using VaeCourse.Data;
using Xunit;

namespace VaeCourse.Tests.Data;

public sealed class DatasetCatalogTests
{
    [Fact]
    public void The_embedded_manifest_has_a_sha256_for_every_file_of_every_dataset()
    {
        ChecksumManifest manifest = ChecksumManifest.Embedded;
        Assert.Equal(8, manifest.Entries.Count);
        foreach (string name in DatasetCatalog.Names)
        foreach (string file in DatasetCatalog.StandardFileNames)
            Assert.Matches(new Regex("^[0-9a-f]{64}$"), manifest.Find($"{name}/{file}"));
        // Spot checks against the published values (tensorflow-datasets url_checksums).
        Assert.Equal("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                     manifest.Find("fashion-mnist/train-images-idx3-ubyte.gz"));
        Assert.Equal("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                     manifest.Find("mnist/train-images-idx3-ubyte.gz"));
    }

    [Fact]
    public void The_catalog_describes_both_datasets()
    {
        DatasetInfo fashion = DatasetCatalog.Get("fashion-mnist");
        Assert.Equal(DatasetCatalog.StandardFileNames, fashion.Files.Select(f => f.FileName));
        Assert.Equal("dataset-fashion-mnist", fashion.DebianPackage);
        Assert.Equal(new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"), Assert.Single(fashion.Mirrors));

        DatasetInfo mnist = DatasetCatalog.Get("MNIST");
        Assert.Equal("mnist", mnist.Name);
        Assert.Null(mnist.DebianPackage);
        Assert.Equal(
            [new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"), new Uri("https://storage.googleapis.com/cvdf-datasets/mnist/")],
            mnist.Mirrors);
        Assert.Equal("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", mnist.Files[3].Sha256);
    }

    [Fact]
    public void An_unknown_dataset_name_is_an_argument_error_naming_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Get("cifar10"));
        Assert.Contains("cifar10", e.Message);
        Assert.Contains("'fashion-mnist'", e.Message);
        Assert.Contains("'mnist'", e.Message);
        Assert.Throws<ArgumentException>(() => DatasetResolver.Resolve("kmnist"));
    }

    [Fact]
    public void The_manifest_parser_reads_sha256sum_format_and_rejects_junk()
    {
        string hash = new('a', 64);
        var m = ChecksumManifest.Parse($"# comment\r\n\r\n{hash}  x/a.gz\r\n{hash.ToUpperInvariant()} *b.gz\n");
        Assert.Equal(hash, m.Find("x/a.gz"));
        Assert.Equal(hash, m.Find("b.gz"));
        Assert.Null(m.Find("c.gz"));
        var e = Assert.Throws<FormatException>(() => ChecksumManifest.Parse($"{hash}  a\nnot a line\n", "sums.txt"));
        Assert.Contains("sums.txt, line 2", e.Message);
        Assert.Throws<FormatException>(() => ChecksumManifest.Parse($"{hash}  a\n{hash}  a\n"));
    }

    [Fact]
    public void The_manifest_file_in_the_repository_is_the_embedded_one()
    {
        // data/checksums.sha256 sits two folders above the test project (scratch) or the repository root.
        string? file = FindUp("data/checksums.sha256");
        if (file is null)
            return;
        var parsed = ChecksumManifest.Parse(File.ReadAllText(file));
        Assert.Equal(parsed.Entries.OrderBy(e => e.Key), ChecksumManifest.Embedded.Entries.OrderBy(e => e.Key));
    }

    private static string? FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
