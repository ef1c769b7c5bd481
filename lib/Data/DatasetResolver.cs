namespace VaeCourse.Data;

/// <summary>
/// Finds the folder holding a dataset's four files, looking in this order:
/// <list type="number">
/// <item>the folder named by the <c>VAE_DATA_DIR</c> environment variable: first its subfolder named after
/// the dataset, then the folder itself;</item>
/// <item>the repository cache <c>&lt;repository root&gt;/data/cache/&lt;name&gt;</c>;</item>
/// <item>the system folders, <c>/usr/share/datasets/&lt;name&gt;</c> (Debian's <c>dataset-fashion-mnist</c>);</item>
/// <item>a download from the dataset's mirrors into the repository cache, each file checked by SHA-256.</item>
/// </list>
/// A folder counts only if all the files are there. MNIST and Fashion-MNIST use the same file names, so a
/// <c>VAE_DATA_DIR</c> folder holding the files directly is taken for whichever dataset is asked: keep one
/// subfolder per dataset (<c>$VAE_DATA_DIR/mnist</c>, <c>$VAE_DATA_DIR/fashion-mnist</c>) to have both. Local copies are not hashed: Debian recompressed its
/// files, so their gzip bytes differ from the upstream checksums (the reader checks their structure instead).
/// </summary>
public static class DatasetResolver
{
    /// <summary>Finds (or downloads) the dataset called <paramref name="name"/> and returns its folder.</summary>
    /// <param name="name"><c>fashion-mnist</c> or <c>mnist</c>.</param>
    /// <param name="options">Where to look and how to download; null for the defaults.</param>
    /// <returns>The folder holding the four files.</returns>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    /// <exception cref="DatasetNotFoundException">No copy was found and none could be downloaded.</exception>
    public static string Resolve(string name, DatasetResolverOptions? options = null) =>
        ResolveAsync(name, options).GetAwaiter().GetResult();

    /// <summary>Finds (or downloads) <paramref name="dataset"/> and returns its folder.</summary>
    /// <param name="dataset">The dataset (from <see cref="DatasetCatalog"/>, or made for a test).</param>
    /// <param name="options">Where to look and how to download; null for the defaults.</param>
    /// <returns>The folder holding the dataset's files.</returns>
    /// <exception cref="DatasetNotFoundException">No copy was found and none could be downloaded.</exception>
    public static string Resolve(DatasetInfo dataset, DatasetResolverOptions? options = null) =>
        ResolveAsync(dataset, options).GetAwaiter().GetResult();

    /// <summary>Finds (or downloads) the dataset called <paramref name="name"/> and returns its folder.</summary>
    /// <param name="name"><c>fashion-mnist</c> or <c>mnist</c>.</param>
    /// <param name="options">Where to look and how to download; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>The folder holding the four files.</returns>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    /// <exception cref="DatasetNotFoundException">No copy was found and none could be downloaded.</exception>
    public static Task<string> ResolveAsync(string name, DatasetResolverOptions? options = null, CancellationToken cancellationToken = default) =>
        ResolveAsync(DatasetCatalog.Get(name), options, cancellationToken);

    /// <summary>Finds (or downloads) <paramref name="dataset"/> and returns its folder.</summary>
    /// <param name="dataset">The dataset (from <see cref="DatasetCatalog"/>, or made for a test).</param>
    /// <param name="options">Where to look and how to download; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>The folder holding the dataset's files.</returns>
    /// <exception cref="DatasetNotFoundException">No copy was found and none could be downloaded.</exception>
    public static async Task<string> ResolveAsync(DatasetInfo dataset, DatasetResolverOptions? options = null,
                                                  CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new DatasetResolverOptions();
        string name = dataset.Name;
        var places = new List<string>();

        // (a) VAE_DATA_DIR: <dir>/<name>, then <dir> itself.
        string var = DatasetResolverOptions.DataDirVariable;
        string? envDir = options.GetEnvironmentVariable(var);
        if (string.IsNullOrWhiteSpace(envDir))
            places.Add($"{var}: not set");
        else
        {
            string sub = Path.Combine(envDir, name);
            if (Check(sub, dataset, out string why))
                return Path.GetFullPath(sub);
            places.Add($"{var} subfolder {sub}: {why}");
            if (Check(envDir, dataset, out why))
                return Path.GetFullPath(envDir);
            places.Add($"{var} folder {envDir}: {why}");
        }

        // (b) The repository cache.
        string? cacheRoot = options.CacheDirectory;
        if (cacheRoot is null)
        {
            string? root = options.RepositoryRoot ?? RepositoryRoot.Find();
            if (root is not null)
                cacheRoot = Path.Combine(root, "data", "cache");
        }
        string? cacheDir = cacheRoot is null ? null : Path.GetFullPath(Path.Combine(cacheRoot, name));
        if (cacheDir is null)
            places.Add($"repository cache data/cache/{name}: no repository root found (no {RepositoryRoot.MarkerFile} " +
                       $"in or above {string.Join(" or ", RepositoryRoot.DefaultStartDirectories())})");
        else if (Check(cacheDir, dataset, out string why))
            return cacheDir;
        else
            places.Add($"repository cache {cacheDir}: {why}");

        // (c) System folders (Debian packages).
        foreach (string systemDir in options.SystemDirectories)
        {
            string dir = Path.Combine(systemDir, name);
            if (Check(dir, dataset, out string why))
                return Path.GetFullPath(dir);
            string note = dataset.DebianPackage is { } pkg
                ? $" (installed by: apt-get install {pkg})"
                : " (no Debian package installs this dataset)";
            places.Add($"system folder {dir}: {why}{note}");
        }

        // (d) Download into the cache.
        IReadOnlyList<Uri> mirrors = options.MirrorBaseUrls ?? dataset.Mirrors;
        Exception? lastFailure = null;
        if (!options.AllowDownload)
            places.Add("download: not attempted (AllowDownload is false)");
        else if (cacheDir is null)
            places.Add("download: not attempted (no cache folder to download into: no repository root found)");
        else if (mirrors.Count == 0)
            places.Add("download: not attempted (no mirror URLs)");
        else
        {
            var downloader = new FileDownloader(options.HttpClient)
            {
                Timeout = options.DownloadTimeout,
                StallTimeout = options.StallTimeout,
                Progress = options.Progress,
            };
            try
            {
                foreach (DatasetFile file in dataset.Files)
                {
                    string destination = Path.Combine(cacheDir, file.FileName);
                    if (File.Exists(destination))
                        continue; // Placed by an earlier, verified download.
                    Uri[] urls = mirrors.Select(m => new Uri(WithTrailingSlash(m), file.FileName)).ToArray();
                    await downloader.DownloadAsync(urls, destination, file.Sha256, cancellationToken).ConfigureAwait(false);
                }
                return cacheDir;
            }
            catch (DownloadException e)
            {
                lastFailure = e;
                string details = e.Attempts.Count > 0
                    ? string.Join("; ", e.Attempts.Select(a => $"{a.Url} failed: {a.Reason}"))
                    : e.Message;
                places.Add($"download into {cacheDir}: {details}");
            }
        }

        throw new DatasetNotFoundException(name, places, HowToFix(dataset, cacheDir, mirrors, options), lastFailure);
    }

    /// <summary>The files of <paramref name="dataset"/> missing from <paramref name="folder"/> (all of them if the folder does not exist).</summary>
    /// <param name="folder">The folder to check.</param>
    /// <param name="dataset">The dataset.</param>
    /// <returns>The missing file names; empty when the folder is complete.</returns>
    public static IReadOnlyList<string> MissingFiles(string folder, DatasetInfo dataset)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.Files.Select(f => f.FileName).Where(f => !File.Exists(Path.Combine(folder, f))).ToArray();
    }

    private static bool Check(string folder, DatasetInfo dataset, out string why)
    {
        why = "";
        try
        {
            if (!Directory.Exists(folder))
            {
                why = "folder does not exist";
                return false;
            }
            IReadOnlyList<string> missing = MissingFiles(folder, dataset);
            if (missing.Count == 0)
                return true;
            why = $"missing {string.Join(", ", missing)}";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            why = $"cannot be read ({e.Message})";
            return false;
        }
    }

    private static Uri WithTrailingSlash(Uri baseUrl) =>
        baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    private static List<string> HowToFix(DatasetInfo dataset, string? cacheDir, IReadOnlyList<Uri> mirrors, DatasetResolverOptions options)
    {
        string name = dataset.Name;
        var fixes = new List<string>();
        if (dataset.DebianPackage is { } pkg)
            fixes.Add($"install the Debian package: sudo apt-get install {pkg} (it puts the files in /usr/share/datasets/{name})");
        fixes.Add($"put the files ({string.Join(", ", dataset.Files.Select(f => f.FileName))}) in a folder and set " +
                  $"{DatasetResolverOptions.DataDirVariable} to it, or to a folder with a '{name}' subfolder holding them");
        if (cacheDir is null)
            fixes.Add("run from inside the course repository (or pass RepositoryRoot or CacheDirectory) so that downloads have a cache folder");
        else if (!options.AllowDownload)
            fixes.Add($"allow downloads (AllowDownload = true) while online: the files go into {cacheDir}");
        else
            fixes.Add($"go online and run again: the files are downloaded from {(mirrors.Count > 0 ? mirrors[0] : "the mirrors")} into {cacheDir}");
        return fixes;
    }
}
