using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VaeCourse.Tests.Data;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 (random port) for download tests. Each path gets a behaviour:
/// serve bytes, answer a status code, drop the connection part way, stall, or trickle. Unknown paths get 404.
/// Every response says "Connection: close". Disposing stops the server and ends stalled responses.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, Behavior> _routes = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Task _acceptLoop;

    /// <summary>Starts the server.</summary>
    public LocalHttpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = Task.Run(AcceptLoop);
    }

    /// <summary>The server's root URL, ending with '/'.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The paths requested so far, in order.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    /// <summary>The URL of <paramref name="path"/> (relative, no leading slash needed).</summary>
    /// <param name="path">The path.</param>
    /// <returns>The absolute URL.</returns>
    public Uri Url(string path) => new(BaseUrl, path.TrimStart('/'));

    /// <summary>Sets what the server does for <paramref name="path"/>.</summary>
    /// <param name="path">The request path, e.g. "/a/file.gz".</param>
    /// <param name="behavior">The behaviour.</param>
    public void Set(string path, Behavior behavior) => _routes["/" + path.TrimStart('/')] = behavior;

    /// <summary>What to do for a path.</summary>
    public abstract record Behavior;

    /// <summary>200 with the body.</summary>
    public sealed record Serve(byte[] Body) : Behavior;

    /// <summary>An error status with a short text body.</summary>
    public sealed record Status(int Code, string Reason) : Behavior;

    /// <summary>200 with Content-Length of the whole body, but only the first <c>BytesSent</c> bytes, then close.</summary>
    public sealed record DropAfter(byte[] Body, int BytesSent) : Behavior;

    /// <summary>200 with Content-Length of the whole body, the first <c>BytesSent</c> bytes, then nothing until the server stops.</summary>
    public sealed record StallAfter(byte[] Body, int BytesSent) : Behavior;

    /// <summary>Reads the request and never answers.</summary>
    public sealed record NoAnswer : Behavior;

    /// <summary>200, sending one byte per <c>Interval</c>.</summary>
    public sealed record Trickle(byte[] Body, TimeSpan Interval) : Behavior;

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            _ = Task.Run(() => Handle(client));
        }
    }

    private async Task Handle(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                string? path = await ReadRequestPath(stream);
                if (path is null)
                    return;
                _requests.Enqueue(path);
                Behavior behavior = _routes.GetValueOrDefault(path) ?? new Status(404, "Not Found");
                CancellationToken stop = _stop.Token;
                switch (behavior)
                {
                    case Serve s:
                        await WriteHeaders(stream, 200, "OK", s.Body.Length);
                        await stream.WriteAsync(s.Body, stop);
                        break;
                    case Status st:
                        byte[] text = Encoding.ASCII.GetBytes($"{st.Code} {st.Reason}\n");
                        await WriteHeaders(stream, st.Code, st.Reason, text.Length);
                        await stream.WriteAsync(text, stop);
                        break;
                    case DropAfter d:
                        await WriteHeaders(stream, 200, "OK", d.Body.Length);
                        await stream.WriteAsync(d.Body.AsMemory(0, d.BytesSent), stop);
                        await stream.FlushAsync(stop);
                        break;
                    case StallAfter sa:
                        await WriteHeaders(stream, 200, "OK", sa.Body.Length);
                        await stream.WriteAsync(sa.Body.AsMemory(0, sa.BytesSent), stop);
                        await stream.FlushAsync(stop);
                        await Task.Delay(Timeout.Infinite, stop);
                        break;
                    case NoAnswer:
                        await Task.Delay(Timeout.Infinite, stop);
                        break;
                    case Trickle t:
                        await WriteHeaders(stream, 200, "OK", t.Body.Length);
                        for (int i = 0; i < t.Body.Length; i++)
                        {
                            await stream.WriteAsync(t.Body.AsMemory(i, 1), stop);
                            await stream.FlushAsync(stop);
                            await Task.Delay(t.Interval, stop);
                        }
                        break;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the server stopped.
            }
        }
    }

    private static async Task<string?> ReadRequestPath(NetworkStream stream)
    {
        var buffer = new byte[16384];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(filled));
            if (n == 0)
                return null;
            filled += n;
            string text = Encoding.ASCII.GetString(buffer, 0, filled);
            if (text.Contains("\r\n\r\n"))
            {
                string[] requestLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
                return requestLine.Length >= 2 ? requestLine[1] : null;
            }
        }
        return null;
    }

    private static Task WriteHeaders(NetworkStream stream, int code, string reason, long length)
    {
        byte[] headers = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {code} {reason}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n");
        return stream.WriteAsync(headers).AsTask();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
