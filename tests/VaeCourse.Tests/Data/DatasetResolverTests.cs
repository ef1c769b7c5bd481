using System.Security.Cryptography;
using VaeCourse.Data;

namespace VaeCourse.Tests.Data;

/// <summary>The resolver's search order, with temporary folders and a local HTTP server.</summary>
public sealed class DatasetResolverTests : IDisposable
{
    private static readonly IReadOnlyList<string> Files = DatasetCatalog.StandardFileNames;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string EnvDir => _temp.Combine("env");
    private string CacheRoot => _temp.Combine("repo", "data", "cache");
    private string SystemRoot => _temp.Combine("system");

    /// <summary>Options that look only at the temporary folders (and never at the real environment or network).</summary>
    private DatasetResolverOptions Options(bool env = true, IReadOnlyList<Uri>? mirrors = null, bool download = false) => new()
    {
        GetEnvironmentVariable = name => env && name == "VAE_DATA_DIR" ? EnvDir : null,
        CacheDirectory = CacheRoot,
        SystemDirectories = [SystemRoot],
        AllowDownload = download,
        MirrorBaseUrls = mirrors ?? [new Uri("http://127.0.0.1:9/unused/")],
        StallTimeout = TimeSpan.FromSeconds(5),
        DownloadTimeout = TimeSpan.FromSeconds(10),
    };

    private void FillAllPlaces()
    {
        _temp.CreateFolderWith("env", Files);
        _temp.CreateFolderWith("env/fashion-mnist", Files);
        _temp.CreateFolderWith("repo/data/cache/fashion-mnist", Files);
        _temp.CreateFolderWith("system/fashion-mnist", Files);
    }

    [Fact]
    public void The_VAE_DATA_DIR_subfolder_named_after_the_dataset_comes_first()
    {
        FillAllPlaces();
        Assert.Equal(_temp.Combine("env", "fashion-mnist"), DatasetResolver.Resolve("fashion-mnist", Options()));
    }

    [Fact]
    public void The_VAE_DATA_DIR_folder_itself_is_accepted()
    {
        FillAllPlaces();
        Directory.Delete(_temp.Combine("env", "fashion-mnist"), recursive: true);
        Assert.Equal(EnvDir, DatasetResolver.Resolve("fashion-mnist", Options()));
    }

    [Fact]
    public void The_repository_cache_comes_after_VAE_DATA_DIR()
    {
        FillAllPlaces();
        Assert.Equal(_temp.Combine("repo", "data", "cache", "fashion-mnist"), DatasetResolver.Resolve("fashion-mnist", Options(env: false)));

        // An incomplete VAE_DATA_DIR is passed over.
        File.Delete(_temp.Combine("env", "fashion-mnist", Files[3]));
        File.Delete(_temp.Combine("env", Files[0]));
        Assert.Equal(_temp.Combine("repo", "data", "cache", "fashion-mnist"), DatasetResolver.Resolve("fashion-mnist", Options()));
    }

    [Fact]
    public void The_cache_is_found_from_the_repository_root()
    {
        _temp.CreateFolderWith("repo/.config", ["dotnet-tools.json"]);
        _temp.CreateFolderWith("repo/data/cache/mnist", Files);
        _temp.CreateFolderWith("repo/notebooks/deep", []);
        string? root = RepositoryRoot.Find(_temp.Combine("repo", "notebooks", "deep"));
        Assert.Equal(_temp.Combine("repo"), root);
        Assert.Null(RepositoryRoot.Find(_temp.Path));

        var options = new DatasetResolverOptions
        {
            GetEnvironmentVariable = _ => null,
            RepositoryRoot = root,
            SystemDirectories = [],
            AllowDownload = false,
        };
        Assert.Equal(_temp.Combine("repo", "data", "cache", "mnist"), DatasetResolver.Resolve("mnist", options));
    }

    [Fact]
    public void The_system_folder_comes_after_the_cache()
    {
        _temp.CreateFolderWith("repo/data/cache/fashion-mnist", Files.Take(3));
        _temp.CreateFolderWith("system/fashion-mnist", Files);
        Assert.Equal(_temp.Combine("system", "fashion-mnist"), DatasetResolver.Resolve("fashion-mnist", Options()));
    }

    [Fact]
    public async Task Downloading_comes_last_and_fills_the_cache()
    {
        using var server = new LocalHttpServer();
        DatasetInfo dataset = ServeDataset(server, "b/", out byte[][] contents);
        _temp.CreateFolderWith("system/tiny", Files.Take(2)); // incomplete: does not count
        var progress = new List<DownloadProgress>();
        var options = new DatasetResolverOptions
        {
            GetEnvironmentVariable = _ => EnvDir,
            CacheDirectory = CacheRoot,
            SystemDirectories = [SystemRoot],
            MirrorBaseUrls = [server.Url("a/"), server.Url("b/")],
            Progress = progress.Add,
        };

        string folder = await DatasetResolver.ResolveAsync(dataset, options);

        Assert.Equal(_temp.Combine("repo", "data", "cache", "tiny"), folder);
        for (int i = 0; i < 4; i++)
            Assert.Equal(contents[i], File.ReadAllBytes(Path.Combine(folder, Files[i])));
        Assert.Equal(Files.Order(), _temp.ListFiles("repo/data/cache/tiny"));
        // Each file: mirror a (404), then mirror b.
        Assert.Equal(Files.SelectMany(f => new[] { $"/a/{f}", $"/b/{f}" }), server.Requests);
        Assert.Contains(progress, p => p.FileName == Files[0] && p.BytesReceived == contents[0].Length);

        // A second resolve finds the cache and downloads nothing.
        Assert.Equal(folder, await DatasetResolver.ResolveAsync(dataset, options));
        Assert.Equal(8, server.Requests.Count);
    }

    [Fact]
    public async Task A_failed_download_leaves_no_partial_files_and_a_second_run_completes()
    {
        using var server = new LocalHttpServer();
        DatasetInfo dataset = ServeDataset(server, "m/", out byte[][] contents);
        server.Set("m/" + Files[2], new LocalHttpServer.DropAfter(contents[2], contents[2].Length / 2));
        DatasetResolverOptions options = Options(mirrors: [server.Url("m/")], download: true);

        var e = await Assert.ThrowsAsync<DatasetNotFoundException>(() => DatasetResolver.ResolveAsync(dataset, options));
        Assert.Contains(server.Url("m/" + Files[2]).ToString(), e.Message);
        // The two files before the failure are complete and verified; nothing else is there.
        Assert.Equal(Files.Take(2).Order(), _temp.ListFiles("repo/data/cache/tiny"));

        server.Set("m/" + Files[2], new LocalHttpServer.Serve(contents[2]));
        string folder = await DatasetResolver.ResolveAsync(dataset, options);
        Assert.Equal(Files.Order(), _temp.ListFiles("repo/data/cache/tiny"));
        Assert.Equal(contents[2], File.ReadAllBytes(Path.Combine(folder, Files[2])));
        // Only the missing files were fetched again.
        Assert.Equal(["/m/" + Files[0], "/m/" + Files[1], "/m/" + Files[2], "/m/" + Files[2], "/m/" + Files[3]], server.Requests);
    }

    [Fact]
    public void The_not_found_error_lists_every_place_tried_and_how_to_fix_it()
    {
        using var server = new LocalHttpServer();
        _temp.CreateFolderWith("env/fashion-mnist", Files.Take(1));
        _temp.CreateFolderWith("repo/data/cache/fashion-mnist", Files.Skip(1));
        var options = Options(mirrors: [server.Url("one/"), server.Url("two/")], download: true);

        var e = Assert.Throws<DatasetNotFoundException>(() => DatasetResolver.Resolve("fashion-mnist", options));

        Assert.Equal("fashion-mnist", e.DatasetName);
        string m = e.Message;
        Assert.Contains("Dataset 'fashion-mnist' was not found", m);
        Assert.Contains($"VAE_DATA_DIR subfolder {_temp.Combine("env", "fashion-mnist")}: missing {Files[1]}, {Files[2]}, {Files[3]}", m);
        Assert.Contains($"VAE_DATA_DIR folder {EnvDir}: missing {string.Join(", ", Files)}", m);
        Assert.Contains($"repository cache {_temp.Combine("repo", "data", "cache", "fashion-mnist")}: missing {Files[0]}", m);
        Assert.Contains($"system folder {Path.Combine(SystemRoot, "fashion-mnist")}: folder does not exist (installed by: apt-get install dataset-fashion-mnist)", m);
        Assert.Contains($"{server.Url("one/" + Files[0])} failed: HTTP 404", m);
        Assert.Contains($"{server.Url("two/" + Files[0])} failed: HTTP 404", m);
        Assert.Equal(5, e.PlacesTried.Count);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", m);
        Assert.Contains("set VAE_DATA_DIR", m);
        Assert.Contains("go online", m);
        Assert.IsType<DownloadException>(e.InnerException);
        // Nothing half-downloaded was left in the cache.
        Assert.Equal(Files.Skip(1).Order(), _temp.ListFiles("repo/data/cache/fashion-mnist"));
    }

    [Fact]
    public void The_not_found_error_without_downloads_or_environment_says_so()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => DatasetResolver.Resolve("mnist", Options(env: false)));
        Assert.Equal("VAE_DATA_DIR: not set", e.PlacesTried[0]);
        Assert.Contains("(no Debian package installs this dataset)", e.PlacesTried[2]);
        Assert.Equal("download: not attempted (AllowDownload is false)", e.PlacesTried[3]);
        Assert.DoesNotContain("apt-get", string.Join("\n", e.HowToFix));
        Assert.Contains("allow downloads", e.Message);
    }

    /// <summary>A 4-file dataset "tiny" whose files the server serves under <paramref name="prefix"/>.</summary>
    private static DatasetInfo ServeDataset(LocalHttpServer server, string prefix, out byte[][] contents)
    {
        contents = Files.Select(_ => RandomNumberGenerator.GetBytes(20_000)).ToArray();
        var files = new DatasetFile[4];
        for (int i = 0; i < 4; i++)
        {
            server.Set(prefix + Files[i], new LocalHttpServer.Serve(contents[i]));
            files[i] = new DatasetFile(Files[i], Convert.ToHexStringLower(SHA256.HashData(contents[i])));
        }
        return new DatasetInfo("tiny", files, [server.Url(prefix)]);
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
