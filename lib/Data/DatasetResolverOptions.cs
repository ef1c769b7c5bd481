namespace VaeCourse.Data;

/// <summary>
/// Where <see cref="DatasetResolver"/> looks and how it downloads. Every property has a sensible default,
/// so <c>null</c> options work; tests override the sources one by one.
/// </summary>
public sealed class DatasetResolverOptions
{
    /// <summary>The environment variable naming a data folder: <c>VAE_DATA_DIR</c>.</summary>
    public const string DataDirVariable = "VAE_DATA_DIR";

    /// <summary>Reads an environment variable; default <see cref="Environment.GetEnvironmentVariable(string)"/>.
    /// Tests pass e.g. <c>_ =&gt; tempDir</c> or <c>_ =&gt; null</c>.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The repository root; default: found by <see cref="RepositoryRoot.Find"/>.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>The cache folder holding one subfolder per dataset; default <c>&lt;repository root&gt;/data/cache</c>.
    /// Downloads go into <c>&lt;cache&gt;/&lt;name&gt;</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>System folders holding one subfolder per dataset, searched in order; default <c>/usr/share/datasets</c>
    /// (where Debian's <c>dataset-fashion-mnist</c> installs).</summary>
    public IReadOnlyList<string> SystemDirectories { get; init; } = ["/usr/share/datasets"];

    /// <summary>Whether to download when no local copy is found. Default true.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>Mirror base URLs to use instead of the dataset's own (e.g. a local test server); null for the dataset's.</summary>
    public IReadOnlyList<Uri>? MirrorBaseUrls { get; init; }

    /// <summary>The HTTP client for downloads; null for a shared default client.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>The longest one file download may take. Default 5 minutes.</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest a server may send nothing during a download. Default 30 seconds.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Download progress reports; null for none.</summary>
    public Action<DownloadProgress>? Progress { get; init; }
}
