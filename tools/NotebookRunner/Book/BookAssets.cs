using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace NotebookRunner.Book;

/// <summary>
/// The browser libraries the book ships with, so that it works opened from disk with no network: plotly.js (the
/// version Plotly.NET 6 writes charts for), KaTeX for the maths and highlight.js for the code. Each comes from its
/// npm registry tarball, pinned by version and SHA-512 (npm's "integrity"), downloaded once into a cache folder.
/// </summary>
public static class BookAssets
{
    /// <summary>One npm package and the files the book copies out of it (tarball path, path under assets/).</summary>
    public sealed record Package(string Name, string Version, string Url, string Sha512, IReadOnlyList<(string From, string To)> Files)
    {
        /// <summary>The cache file name of the tarball.</summary>
        public string FileName => $"{Name.Replace('@', '_').Replace('/', '_')}-{Version}.tgz";
    }

    /// <summary>The pinned packages.</summary>
    public static IReadOnlyList<Package> Packages { get; } =
    [
        new("plotly.js-dist-min", "2.28.0", "https://registry.npmjs.org/plotly.js-dist-min/-/plotly.js-dist-min-2.28.0.tgz",
            "TzoB4RRSL4WcbAVP9fjeZRKNnRhHLBWmXxIIMQ3O7GAwadQ/IpO6kSS0q8Ahmr6eewvKKiJeXqc4sA6oEQre/A==",
            [("package/plotly.min.js", "plotly.min.js")]),
        new("katex", "0.19.1", "https://registry.npmjs.org/katex/-/katex-0.19.1.tgz",
            "jG8uKntjSEcm2EpQOh0XturpPuuC9r3Sq5HLHdsFdWZT27E672SF19QEi+of0/YeOy15lDgRhKvr5614uRrEfA==",
            [("package/dist/katex.min.js", "katex/katex.min.js"), ("package/dist/katex.min.css", "katex/katex.min.css"),
             ("package/dist/fonts/*.woff2", "katex/fonts/")]),
        new("@highlightjs/cdn-assets", "11.12.0", "https://registry.npmjs.org/@highlightjs/cdn-assets/-/cdn-assets-11.12.0.tgz",
            "KvOKXODaiFmId9xaq3xc5xCL66wVLUuOngDbO9B/kewbFTqdGbn2nJxNhN3H5R1cgDTVj6R8vH0zgiNDEGjpDw==",
            [("package/highlight.min.js", "highlight/highlight.min.js"), ("package/languages/csharp.min.js", "highlight/csharp.min.js"),
             ("package/styles/github.min.css", "highlight/github.min.css")]),
    ];

    /// <summary>
    /// Copies every package's files into <paramref name="assetsDirectory"/>, downloading tarballs that are not yet in
    /// <paramref name="cacheDirectory"/>. A download is checked against its SHA-512 before it is kept; a failure names
    /// the package, the URL and where to put the file by hand, and leaves no partial file behind.
    /// </summary>
    public static async Task CopyAsync(string assetsDirectory, string cacheDirectory, HttpClient? http = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(cacheDirectory);
        foreach (var package in Packages)
        {
            var tarball = Path.Combine(cacheDirectory, package.FileName);
            if (!File.Exists(tarball) || !HashMatches(tarball, package.Sha512))
                await DownloadAsync(package, tarball, http, cancellationToken);
            Extract(package, tarball, assetsDirectory);
        }
    }

    private static async Task DownloadAsync(Package package, string target, HttpClient? http, CancellationToken cancellationToken)
    {
        var temp = target + $".{Environment.ProcessId}.part";
        var client = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        try
        {
            using (var response = await client.GetAsync(package.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken))
            {
                response.EnsureSuccessStatusCode();
                await using var file = File.Create(temp);
                await response.Content.CopyToAsync(file, cancellationToken);
            }
            if (!HashMatches(temp, package.Sha512))
                throw new InvalidDataException($"the download of {package.Name} {package.Version} from {package.Url} does not have the pinned SHA-512; it was discarded.");
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidDataException or IOException)
        {
            throw new BookException(
                $"Could not get {package.Name} {package.Version} for the book: {e.Message} " +
                $"The book needs it once; download {package.Url} by hand and save it as {target}.", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
            if (http is null) client.Dispose();
        }
    }

    private static bool HashMatches(string path, string sha512Base64)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToBase64String(SHA512.HashData(stream)) == sha512Base64;
    }

    private static void Extract(Package package, string tarball, string assetsDirectory)
    {
        var wanted = package.Files.ToList();
        var found = new HashSet<string>();
        using var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
            foreach (var (from, to) in wanted)
            {
                string? destination = null;
                if (from.EndsWith("/*.woff2", StringComparison.Ordinal))
                {
                    var folder = from[..^"*.woff2".Length];
                    if (entry.Name.StartsWith(folder, StringComparison.Ordinal) && entry.Name.EndsWith(".woff2", StringComparison.Ordinal) && !entry.Name[folder.Length..].Contains('/'))
                        destination = Path.Combine(assetsDirectory, to, entry.Name[folder.Length..]);
                }
                else if (entry.Name == from)
                    destination = Path.Combine(assetsDirectory, to);
                if (destination is null) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                using (var file = File.Create(destination)) entry.DataStream.CopyTo(file);
                found.Add(from);
                break;
            }
        }
        var missing = wanted.Select(w => w.From).Where(f => !found.Contains(f)).ToList();
        if (missing.Count > 0)
            throw new BookException($"{tarball} ({package.Name} {package.Version}) lacks {string.Join(", ", missing)}; delete it so that it is downloaded again.");
    }
}

/// <summary>The book could not be written; the message says what to do.</summary>
public sealed class BookException(string message, Exception? inner = null) : Exception(message, inner);
