using System.Net;
using System.Security.Cryptography;

namespace VaeCourse.Data;

/// <summary>
/// Downloads a file over HTTP(S) and checks its SHA-256. The response is streamed into a temporary
/// file next to the destination (<c>&lt;name&gt;.part-&lt;random&gt;</c>) and hashed while written; only a
/// complete file with the right hash is renamed to the destination name (replacing any file there).
/// On any failure the temporary file is deleted and a <see cref="DownloadException"/> names the URL and
/// the reason, so a later run simply starts again.
/// </summary>
public sealed class FileDownloader
{
    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
    })
    {
        // Timeouts are enforced per download (Timeout, StallTimeout), including while reading the body.
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    });

    private readonly HttpClient _http;

    /// <summary>Creates a downloader.</summary>
    /// <param name="httpClient">The client to use; by default a shared client without its own timeout.
    /// A client passed in keeps its own <see cref="HttpClient.Timeout"/> as well.</param>
    public FileDownloader(HttpClient? httpClient = null) => _http = httpClient ?? SharedClient.Value;

    /// <summary>The longest one file may take, from request to last byte. Default: 5 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest the server may send nothing (no headers, no body bytes). Default: 30 seconds.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called after each chunk is written (on the downloading thread); null for no reports.</summary>
    public Action<DownloadProgress>? Progress { get; init; }

    /// <summary>Downloads <paramref name="url"/> to <paramref name="destinationPath"/>, checking its SHA-256.</summary>
    /// <param name="url">The URL.</param>
    /// <param name="destinationPath">The final file path; its folder is created if needed.</param>
    /// <param name="expectedSha256">The expected SHA-256, hex (either case).</param>
    /// <param name="cancellationToken">Cancels the download (then <see cref="OperationCanceledException"/> is thrown).</param>
    /// <returns>A task that completes when the file is in place.</returns>
    /// <exception cref="DownloadException">HTTP error, dropped connection, timeout, stall, I/O error or wrong SHA-256.</exception>
    public async Task DownloadAsync(Uri url, string destinationPath, string expectedSha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        ArgumentException.ThrowIfNullOrEmpty(expectedSha256);
        string expected = expectedSha256.Trim().ToLowerInvariant();
        string fullPath = Path.GetFullPath(destinationPath);
        string folder = Path.GetDirectoryName(fullPath)!;
        string fileName = Path.GetFileName(fullPath);
        string tempPath = Path.Combine(folder, $"{fileName}.part-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");

        using var totalCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        totalCts.CancelAfter(Timeout);
        using var stallCts = CancellationTokenSource.CreateLinkedTokenSource(totalCts.Token);
        long received = 0;
        long? total = null;
        try
        {
            Directory.CreateDirectory(folder);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            stallCts.CancelAfter(StallTimeout);
            using HttpResponseMessage response = await _http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stallCts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new DownloadException(url, $"HTTP {(int)response.StatusCode} ({response.ReasonPhrase ?? response.StatusCode.ToString()})");
            total = response.Content.Headers.ContentLength;

            string actual;
            await using (Stream body = await response.Content.ReadAsStreamAsync(stallCts.Token).ConfigureAwait(false))
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                while (true)
                {
                    stallCts.CancelAfter(StallTimeout);
                    int n = await body.ReadAsync(buffer, stallCts.Token).ConfigureAwait(false);
                    if (n == 0)
                        break;
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), totalCts.Token).ConfigureAwait(false);
                    received += n;
                    Progress?.Invoke(new DownloadProgress(url, fileName, received, total));
                }
                await file.FlushAsync(totalCts.Token).ConfigureAwait(false);
                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            if (total is long t && received != t)
                throw new DownloadException(url, $"connection closed early: received {received} of {t} bytes");
            if (actual != expected)
                throw new DownloadException(url,
                    $"SHA-256 mismatch: expected {expected}, got {actual} ({received} bytes received)");
            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            string reason = totalCts.IsCancellationRequested
                ? $"timed out after {Timeout.TotalSeconds:0.###} s (received {received}{Of(total)} bytes)"
                : stallCts.IsCancellationRequested
                    ? $"stalled: no data for {StallTimeout.TotalSeconds:0.###} s (received {received}{Of(total)} bytes)"
                    : $"timed out (HttpClient.Timeout {_http.Timeout.TotalSeconds:0.###} s; received {received}{Of(total)} bytes)";
            throw new DownloadException(url, reason, e);
        }
        catch (HttpIOException e)
        {
            throw new DownloadException(url, $"connection dropped: received {received}{Of(total)} bytes ({e.Message})", e);
        }
        catch (HttpRequestException e)
        {
            throw new DownloadException(url, $"request failed after {received}{Of(total)} bytes: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException and not DownloadException or UnauthorizedAccessException)
        {
            throw new DownloadException(url, $"I/O error after {received}{Of(total)} bytes: {e.Message}", e);
        }
        finally
        {
            TryDelete(tempPath);
        }
    }

    /// <summary>Downloads a file from the first URL that delivers it with the right SHA-256, trying them in order.</summary>
    /// <param name="urls">The URLs, e.g. the same file on several mirrors.</param>
    /// <param name="destinationPath">The final file path; its folder is created if needed.</param>
    /// <param name="expectedSha256">The expected SHA-256, hex.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The URL that worked.</returns>
    /// <exception cref="DownloadException">Every URL failed; <see cref="DownloadException.Attempts"/> has each failure.</exception>
    public async Task<Uri> DownloadAsync(IReadOnlyList<Uri> urls, string destinationPath, string expectedSha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var failures = new List<DownloadException>();
        foreach (Uri url in urls)
        {
            try
            {
                await DownloadAsync(url, destinationPath, expectedSha256, cancellationToken).ConfigureAwait(false);
                return url;
            }
            catch (DownloadException e)
            {
                failures.Add(e);
            }
        }
        throw new DownloadException(Path.GetFileName(destinationPath), failures);
    }

    private static string Of(long? total) => total is long t ? $" of {t}" : "";

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path))
                File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
