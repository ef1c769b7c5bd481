using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Connection;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Utility;

namespace NotebookRunner;

/// <summary>The kernel could not be started.</summary>
public sealed class KernelStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>How a submission ended.</summary>
internal enum SubmitOutcome { Completed, TimedOut, KernelExited, Cancelled }

/// <summary>
/// One official kernel process (<c>dotnet interactive stdio</c>) reached through <see cref="StdIoKernelConnector"/>,
/// with its working directory set to the notebook's folder. Owns the process: disposing kills it and its children.
/// </summary>
internal sealed class KernelSession : IAsyncDisposable
{
    private static int _sessionCounter;
    private readonly StdIoKernelConnector _connector;
    private readonly ProxyKernel _root;
    private readonly Process _process;
    private readonly Task _exited;
    private readonly ConcurrentDictionary<string, ProxyKernel> _proxies = new();
    private readonly List<IDisposable> _subscriptions = new();
    private readonly Action<KernelEvent, KernelCommand?> _onEvent;
    private KernelCommand? _current;

    private KernelSession(StdIoKernelConnector connector, ProxyKernel root, Process process, Action<KernelEvent, KernelCommand?> onEvent)
    {
        _connector = connector;
        _root = root;
        _process = process;
        _onEvent = onEvent;
        _exited = process.WaitForExitAsync();
    }

    /// <summary>The kernel process's id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>True once the kernel process has exited.</summary>
    public bool HasExited => _exited.IsCompleted;

    /// <summary>Exit code of the kernel process if known.</summary>
    public int? ExitCode
    {
        get { try { return _process.HasExited ? _process.ExitCode : null; } catch (InvalidOperationException) { return null; } }
    }

    /// <summary>Starts a kernel whose current directory is <paramref name="workingDirectory"/>.
    /// <paramref name="onEvent"/> receives every kernel event with the command currently submitted.</summary>
    public static async Task<KernelSession> StartAsync(
        string workingDirectory, string toolDirectory, RunOptions options,
        Action<KernelEvent, KernelCommand?> onEvent, CancellationToken cancellationToken)
    {
        var command = (options.KernelCommand ?? RunOptions.DefaultKernelCommand)
            .Concat(["--working-dir", workingDirectory])
            .Select(QuoteIfNeeded) // the connector joins arguments with spaces, unquoted
            .ToArray();
        var commandText = string.Join(" ", options.KernelCommand ?? RunOptions.DefaultKernelCommand);
        var hostUri = KernelHost.CreateHostUri($"notebook-runner-{Environment.ProcessId}-{Interlocked.Increment(ref _sessionCounter)}");
        var connector = new StdIoKernelConnector(command, "runner", hostUri, new DirectoryInfo(toolDirectory));

        var clock = Stopwatch.StartNew();
        Task<ProxyKernel> rootTask;
        try { rootTask = connector.CreateRootProxyKernelAsync(); }
        catch (Exception e) { throw StartFailure(commandText, toolDirectory, e.Message, e); }

        Process? process = null;
        DateTime? exitSeen = null;
        while (!rootTask.IsCompleted)
        {
            await Task.WhenAny(rootTask, Task.Delay(50, CancellationToken.None));
            if (process is null && ProcessOf(connector) is { } p)
            {
                process = p;
                KernelProcesses.Register(process);
            }
            var failure =
                cancellationToken.IsCancellationRequested ? "cancelled" :
                clock.Elapsed > options.KernelStartTimeout ? $"no answer within {options.KernelStartTimeout.TotalSeconds:0} s" :
                null;
            if (process is { HasExited: true })
            {
                // The connector throws with the process's stderr when it exits non-zero; give it a moment to do so.
                exitSeen ??= DateTime.UtcNow;
                if (DateTime.UtcNow - exitSeen > TimeSpan.FromSeconds(2)) failure = $"the process exited with code {SafeExitCode(process)}";
            }
            if (failure is not null)
            {
                Kill(process);
                connector.Dispose();
                if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                throw StartFailure(commandText, toolDirectory, failure, null);
            }
        }

        ProxyKernel root;
        try { root = await rootTask; }
        catch (Exception e)
        {
            Kill(process ?? ProcessOf(connector));
            connector.Dispose();
            var detail = e is CommandLineInvocationException
                ? string.Join(" ", e.Message.Split('\n').Select(l => l.Trim()).Where(l => l is not ("" or "StdErr:" or "StdOut:"))).TrimEnd('.')
                : $"{e.GetType().Name}: {e.Message}";
            throw StartFailure(commandText, toolDirectory, detail, e);
        }
        process ??= ProcessOf(connector) ?? throw StartFailure(commandText, toolDirectory, "no process", null);
        KernelProcesses.Register(process);
        return new KernelSession(connector, root, process, onEvent);
    }

    /// <summary>Submits code to the named subkernel and waits for it to finish, time out, or the kernel to die.</summary>
    /// <returns>The outcome and, when completed, the command's result.</returns>
    public async Task<(SubmitOutcome Outcome, KernelCommandResult? Result)> SubmitAsync(
        string kernelName, string code, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (HasExited) return (SubmitOutcome.KernelExited, null);
        var proxyTask = GetProxyAsync(kernelName);
        await Task.WhenAny(proxyTask, _exited, Task.Delay(timeout, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default));
        if (!proxyTask.IsCompleted)
            return (HasExited ? SubmitOutcome.KernelExited : cancellationToken.IsCancellationRequested ? SubmitOutcome.Cancelled : SubmitOutcome.TimedOut, null);
        var proxy = await proxyTask;

        var command = new SubmitCode(code);
        using var sendCancellation = new CancellationTokenSource();
        Volatile.Write(ref _current, command);
        try
        {
            var send = proxy.SendAsync(command, sendCancellation.Token);
            var timer = Task.Delay(timeout, cancellationToken);
            var first = await Task.WhenAny(send, _exited, timer);
            if (first == send) return (SubmitOutcome.Completed, await send);
            sendCancellation.Cancel();
            // Ctrl+C in a terminal also reaches the kernel, which may then exit first: report the cancellation.
            if (cancellationToken.IsCancellationRequested) return (SubmitOutcome.Cancelled, null);
            if (first == _exited)
            {
                // Events already read from the pipe may still be in flight; let them land.
                await Task.WhenAny(send, Task.Delay(200, CancellationToken.None));
                return send.IsCompletedSuccessfully ? (SubmitOutcome.Completed, send.Result) : (SubmitOutcome.KernelExited, null);
            }
            return (SubmitOutcome.TimedOut, null);
        }
        finally
        {
            Volatile.Write(ref _current, null);
        }
    }

    private async Task<ProxyKernel> GetProxyAsync(string kernelName)
    {
        if (_proxies.TryGetValue(kernelName, out var existing)) return existing;
        var proxy = await _connector.CreateProxyKernelAsync(remoteName: kernelName);
        // Never write to the console in here: while a command runs, the Interactive library redirects
        // Console.Out of this process into kernel events.
        _subscriptions.Add(proxy.KernelEvents.Subscribe(new Observer(e => _onEvent(e, Volatile.Read(ref _current)))));
        _proxies[kernelName] = proxy;
        return proxy;
    }

    /// <summary>Kills the kernel process tree now.</summary>
    public void Kill() => Kill(_process);

    /// <summary>Closes the connection and kills the kernel process tree.</summary>
    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        foreach (var s in _subscriptions) s.Dispose();
        foreach (var p in _proxies.Values) p.Dispose();
        _root.Dispose();
        _connector.Dispose();
        await Task.WhenAny(_exited, Task.Delay(5000));
        KernelProcesses.Unregister(_process);
    }

    private static void Kill(Process? process)
    {
        if (process is null) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    private static int? SafeExitCode(Process p)
    {
        try { return p.ExitCode; } catch (InvalidOperationException) { return null; }
    }

    /// <summary>The connector's own Process object once started (it can report the exit code), else one found by id.</summary>
    private static Process? ProcessOf(StdIoKernelConnector connector)
    {
        try
        {
            var field = typeof(StdIoKernelConnector).GetField("_process", BindingFlags.Instance | BindingFlags.NonPublic);
            if (field?.GetValue(connector) is Process own)
            {
                _ = own.Id; // throws until started
                return own;
            }
            return connector.ProcessId is { } pid ? Process.GetProcessById(pid) : null;
        }
        catch (InvalidOperationException) { return null; }
        catch (ArgumentException) { return null; }
    }

    private static KernelStartException StartFailure(string command, string directory, string detail, Exception? inner) =>
        new($"Could not start the .NET Interactive kernel (`{command}` in {directory}): {detail}. " +
            "The kernel is the local dotnet tool Microsoft.dotnet-interactive pinned in .config/dotnet-tools.json: " +
            "run `dotnet tool restore` in the repository root.", inner);

    /// <summary>Quotes an argument for .NET's command-line splitting (backslashes only escape quotes).</summary>
    private static string QuoteIfNeeded(string arg)
    {
        if (arg.Length > 0 && !arg.Any(c => char.IsWhiteSpace(c) || c == '"')) return arg;
        var sb = new System.Text.StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in arg)
        {
            if (c == '\\') { backslashes++; continue; }
            sb.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes).Append(c);
            backslashes = 0;
        }
        return sb.Append('\\', backslashes * 2).Append('"').ToString();
    }

    private sealed class Observer(Action<KernelEvent> onNext) : IObserver<KernelEvent>
    {
        public void OnNext(KernelEvent value) => onNext(value);
        public void OnError(Exception error) { }
        public void OnCompleted() { }
    }
}

/// <summary>Kernel processes alive in this process; all are killed when this process exits.</summary>
internal static class KernelProcesses
{
    private static readonly ConcurrentDictionary<Process, byte> Live = new();

    static KernelProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    public static void Register(Process p) => Live.TryAdd(p, 0);

    public static void Unregister(Process p) => Live.TryRemove(p, out _);

    /// <summary>Kills every registered kernel process tree.</summary>
    public static void KillAll()
    {
        foreach (var p in Live.Keys)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            catch (System.ComponentModel.Win32Exception) { }
            Live.TryRemove(p, out _);
        }
    }
}
