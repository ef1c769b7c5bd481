using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NotebookRunner.Tests;

/// <summary>
/// Debian's classic Jupyter Notebook server on 127.0.0.1, serving a folder, with the ".NET (C#)" kernelspec installed
/// from the repository's pinned kernel tool into a temporary Jupyter data folder: nothing of the user's Jupyter set-up
/// (kernels, config, trusted-notebook database, runtime files) is read or written. Disposing kills the server's whole
/// process tree, kernels included, and any process still naming the temporary runtime folder (a kernel's connection
/// file lives there).
/// </summary>
public sealed class JupyterServer : IAsyncDisposable
{
    private readonly TempFolder folders;
    private readonly Process process;
    private readonly StringBuilder log = new();

    private JupyterServer(TempFolder folders, Process process, int port, string runtimeDirectory)
    {
        this.folders = folders;
        this.process = process;
        Port = port;
        RuntimeDirectory = runtimeDirectory;
    }

    /// <summary>The server's address, ending with a slash.</summary>
    public string Url => $"http://127.0.0.1:{Port}/";

    public int Port { get; }

    /// <summary>JUPYTER_RUNTIME_DIR: where the server writes each kernel's connection file.</summary>
    public string RuntimeDirectory { get; }

    /// <summary>The server's output so far (its log goes to stderr), for failure messages.</summary>
    public string Log
    {
        get { lock (log) return log.ToString(); }
    }

    /// <summary>
    /// Installs the kernelspec with <c>dotnet interactive jupyter install --path</c> (the tool resolved from
    /// <paramref name="root"/>'s manifest), starts <c>jupyter notebook</c> serving <paramref name="root"/> with
    /// <paramref name="environment"/> added to its environment (the kernels inherit it), and waits until it answers
    /// and lists the ".net-csharp" kernelspec.
    /// </summary>
    public static async Task<JupyterServer> StartAsync(string jupyter, string root, IReadOnlyDictionary<string, string> environment)
    {
        var folders = new TempFolder();
        var data = Path.Combine(folders.Path, "data");
        var kernels = Path.Combine(data, "kernels");
        Directory.CreateDirectory(kernels);
        var install = await RunAsync("dotnet", ["tool", "run", "dotnet-interactive", "--", "jupyter", "install", "--path", kernels], root, TimeSpan.FromMinutes(2));
        if (!File.Exists(Path.Combine(kernels, ".net-csharp", "kernel.json")))
        {
            folders.Dispose();
            throw new InvalidOperationException($"`dotnet interactive jupyter install --path {kernels}` (run in {root}) wrote no .net-csharp kernelspec:\n{install}");
        }

        var runtime = Path.Combine(folders.Path, "runtime");
        var start = new ProcessStartInfo(jupyter)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        int port = FreePort();
        foreach (var arg in new[] { "notebook", "--no-browser", "--ip=127.0.0.1", $"--port={port}", "--port-retries=0",
                     "--NotebookApp.token=", "--NotebookApp.password=", "--allow-root", $"--notebook-dir={root}" })
            start.ArgumentList.Add(arg);
        start.Environment["JUPYTER_DATA_DIR"] = data;
        start.Environment["JUPYTER_PATH"] = data;
        start.Environment["JUPYTER_CONFIG_DIR"] = Path.Combine(folders.Path, "config");
        start.Environment["JUPYTER_RUNTIME_DIR"] = runtime;
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1"; // a build started by a notebook leaves no MSBuild server behind
        foreach (var (name, value) in environment) start.Environment[name] = value;

        var server = new JupyterServer(folders, Process.Start(start)!, port, runtime);
        server.process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server.process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server.process.BeginOutputReadLine();
        server.process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (log) log.AppendLine(line);
    }

    private async Task WaitUntilReadyAsync(TimeSpan limit)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"jupyter notebook exited with code {process.ExitCode} before it served {Url}:\n{Log}");
            try
            {
                var specs = await http.GetStringAsync(Url + "api/kernelspecs");
                if (!specs.Contains("\".net-csharp\"", StringComparison.Ordinal))
                    throw new InvalidOperationException($"jupyter notebook at {Url} does not list the .net-csharp kernelspec: {specs}");
                return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (clock.Elapsed > limit)
                throw new TimeoutException($"jupyter notebook did not answer at {Url} within {limit.TotalSeconds:0} s:\n{Log}");
            await Task.Delay(250);
        }
    }

    /// <summary>Ids of live processes whose command line names the runtime folder (kernels launched by this server).</summary>
    public IReadOnlyList<int> KernelProcesses() => ProcessesMentioning(RuntimeDirectory);

    private static List<int> ProcessesMentioning(string text)
    {
        var ids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal)) ids.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException) { }
        catch (TimeoutException) { }
        foreach (var pid in ProcessesMentioning(RuntimeDirectory))
        {
            try
            {
                using var straggler = Process.GetProcessById(pid);
                straggler.Kill(entireProcessTree: true);
                straggler.WaitForExit(10_000);
            }
            catch (ArgumentException) { }
            catch (InvalidOperationException) { }
        }
        process.Dispose();
        folders.Dispose();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<string> RunAsync(string file, string[] args, string workingDirectory, TimeSpan limit)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var run = Process.Start(start)!;
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = run.StandardError.ReadToEndAsync();
        try
        {
            await run.WaitForExitAsync().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            run.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {string.Join(' ', args)}` did not finish within {limit.TotalSeconds:0} s.");
        }
        return $"exit code {run.ExitCode}\n{await stdout}\n{await stderr}";
    }
}
