using System.Diagnostics;
using System.Security.Cryptography;
using VaeCourse.Data;
using Xunit;

namespace VaeCourse.Tests.Data;

/// <summary>Downloads from a real HTTP server on 127.0.0.1.</summary>
public sealed class FileDownloaderTests : IDisposable
{
    private readonly LocalHttpServer _server = new();
    private readonly TempFolder _temp = new();
    private readonly byte[] _body = RandomNumberGenerator.GetBytes(300_000);
    private readonly string _sha;

    public FileDownloaderTests() => _sha = Sha256(_body);

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private string Destination => _temp.Combine("out", "file.gz");

    private FileDownloader Downloader(TimeSpan? stall = null, TimeSpan? timeout = null, Action<DownloadProgress>? progress = null) => new()
    {
        StallTimeout = stall ?? TimeSpan.FromSeconds(10),
        Timeout = timeout ?? TimeSpan.FromSeconds(20),
        Progress = progress,
    };

    /// <summary>Nothing under the final name and no temporary file anywhere in the destination folder.</summary>
    private void AssertNothingLeft() => Assert.Empty(_temp.ListFiles("out"));

    private async Task<DownloadException> Fails(Uri url, FileDownloader downloader, params string[] mentions)
    {
        var e = await Assert.ThrowsAsync<DownloadException>(() => downloader.DownloadAsync(url, Destination, _sha));
        Assert.Equal(url, e.Url);
        Assert.Contains(url.ToString(), e.Message);
        foreach (string m in mentions)
            Assert.Contains(m, e.Message);
        AssertNothingLeft();
        return e;
    }

    [Fact]
    public async Task A_good_file_is_placed_with_the_right_content()
    {
        _server.Set("f.gz", new LocalHttpServer.Serve(_body));
        var reports = new List<DownloadProgress>();

        await Downloader(progress: reports.Add).DownloadAsync(_server.Url("f.gz"), Destination, _sha.ToUpperInvariant());

        Assert.Equal(_body, File.ReadAllBytes(Destination));
        Assert.Equal(["file.gz"], _temp.ListFiles("out"));
        Assert.NotEmpty(reports);
        Assert.Equal(_body.Length, reports[^1].BytesReceived);
        Assert.Equal(_body.Length, reports[^1].TotalBytes);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.Equal("file.gz", reports[^1].FileName);
    }

    [Fact]
    public async Task A_wrong_checksum_names_the_url_and_both_hashes_and_leaves_nothing()
    {
        byte[] other = (byte[])_body.Clone();
        other[1234] ^= 1;
        _server.Set("f.gz", new LocalHttpServer.Serve(other));

        var e = await Fails(_server.Url("f.gz"), Downloader(), "SHA-256 mismatch", _sha, Sha256(other));
        Assert.Contains($"expected {_sha}", e.Message);
    }

    [Fact]
    public async Task A_connection_dropped_half_way_is_reported_with_the_byte_counts()
    {
        _server.Set("f.gz", new LocalHttpServer.DropAfter(_body, _body.Length / 2));

        await Fails(_server.Url("f.gz"), Downloader(), $"of {_body.Length} bytes");
    }

    [Fact]
    public async Task An_http_404_is_reported_with_its_status()
    {
        await Fails(_server.Url("missing.gz"), Downloader(), "HTTP 404", "Not Found");
    }

    [Fact]
    public async Task An_http_500_is_reported_with_its_status()
    {
        _server.Set("f.gz", new LocalHttpServer.Status(500, "Internal Server Error"));
        await Fails(_server.Url("f.gz"), Downloader(), "HTTP 500");
    }

    [Fact]
    public async Task A_server_that_stalls_mid_body_hits_the_stall_timeout()
    {
        _server.Set("f.gz", new LocalHttpServer.StallAfter(_body, 1000));
        var clock = Stopwatch.StartNew();

        await Fails(_server.Url("f.gz"), Downloader(stall: TimeSpan.FromMilliseconds(400)), "stalled", "0.4 s", $"of {_body.Length} bytes");

        Assert.InRange(clock.Elapsed.TotalSeconds, 0.3, 10);
    }

    [Fact]
    public async Task A_server_that_never_answers_hits_the_stall_timeout()
    {
        _server.Set("f.gz", new LocalHttpServer.NoAnswer());
        await Fails(_server.Url("f.gz"), Downloader(stall: TimeSpan.FromMilliseconds(300)), "stalled", "received 0 bytes");
    }

    [Fact]
    public async Task A_slow_server_hits_the_overall_timeout()
    {
        _server.Set("f.gz", new LocalHttpServer.Trickle(_body[..100], TimeSpan.FromMilliseconds(50)));
        await Fails(_server.Url("f.gz"), Downloader(stall: TimeSpan.FromSeconds(5), timeout: TimeSpan.FromMilliseconds(600)),
                    "timed out after 0.6 s", "of 100 bytes");
    }

    [Fact]
    public async Task A_refused_connection_is_reported()
    {
        // A port that was just free: nothing listens there.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await Fails(new Uri($"http://127.0.0.1:{port}/f.gz"), Downloader(), "request failed");
    }

    [Fact]
    public async Task A_second_run_after_a_failure_succeeds()
    {
        Uri url = _server.Url("f.gz");
        _server.Set("f.gz", new LocalHttpServer.DropAfter(_body, 5000));
        await Fails(url, Downloader());
        _server.Set("f.gz", new LocalHttpServer.StallAfter(_body, 5000));
        await Fails(url, Downloader(stall: TimeSpan.FromMilliseconds(300)));

        _server.Set("f.gz", new LocalHttpServer.Serve(_body));
        await Downloader().DownloadAsync(url, Destination, _sha);

        Assert.Equal(_body, File.ReadAllBytes(Destination));
        Assert.Equal(["file.gz"], _temp.ListFiles("out"));
    }

    [Fact]
    public async Task An_existing_file_is_replaced_only_by_a_verified_download()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Destination)!);
        File.WriteAllText(Destination, "old");
        _server.Set("f.gz", new LocalHttpServer.DropAfter(_body, 10));
        await Assert.ThrowsAsync<DownloadException>(() => Downloader().DownloadAsync(_server.Url("f.gz"), Destination, _sha));
        Assert.Equal("old", File.ReadAllText(Destination));
        Assert.Equal(["file.gz"], _temp.ListFiles("out"));

        _server.Set("f.gz", new LocalHttpServer.Serve(_body));
        await Downloader().DownloadAsync(_server.Url("f.gz"), Destination, _sha);
        Assert.Equal(_body, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task Mirrors_are_tried_in_order_until_one_delivers()
    {
        _server.Set("b/f.gz", new LocalHttpServer.Status(503, "Service Unavailable"));
        _server.Set("c/f.gz", new LocalHttpServer.Serve(_body));
        Uri[] urls = [_server.Url("a/f.gz"), _server.Url("b/f.gz"), _server.Url("c/f.gz"), _server.Url("d/f.gz")];

        Uri used = await Downloader().DownloadAsync(urls, Destination, _sha);

        Assert.Equal(urls[2], used);
        Assert.Equal(["/a/f.gz", "/b/f.gz", "/c/f.gz"], _server.Requests);
        Assert.Equal(_body, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task When_every_mirror_fails_each_failure_is_listed()
    {
        _server.Set("b/f.gz", new LocalHttpServer.Serve(_body[..100]));
        Uri[] urls = [_server.Url("a/f.gz"), _server.Url("b/f.gz")];

        var e = await Assert.ThrowsAsync<DownloadException>(() => Downloader().DownloadAsync(urls, Destination, _sha));

        Assert.Null(e.Url);
        Assert.Equal(2, e.Attempts.Count);
        Assert.Contains(urls[0].ToString(), e.Message);
        Assert.Contains("HTTP 404", e.Message);
        Assert.Contains(urls[1].ToString(), e.Message);
        Assert.Contains("SHA-256 mismatch", e.Message);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Cancelling_throws_OperationCanceledException_and_leaves_nothing()
    {
        _server.Set("f.gz", new LocalHttpServer.StallAfter(_body, 1000));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Downloader().DownloadAsync(_server.Url("f.gz"), Destination, _sha, cts.Token));
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_caller_supplied_HttpClient_is_used()
    {
        _server.Set("f.gz", new LocalHttpServer.Serve(_body));
        using var client = new HttpClient();
        await new FileDownloader(client).DownloadAsync(_server.Url("f.gz"), Destination, _sha);
        Assert.Equal(_body, File.ReadAllBytes(Destination));
    }
}
