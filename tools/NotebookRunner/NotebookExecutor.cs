using System.Diagnostics;
using Microsoft.DotNet.Interactive.Events;

namespace NotebookRunner;

/// <summary>Executes one notebook in a fresh official kernel, as VS Code would, and collects its outputs.</summary>
public static class NotebookExecutor
{
    /// <summary>
    /// Runs every code cell of <paramref name="notebookPath"/> in order in a new kernel whose working directory is the
    /// notebook's folder, stopping at the first failing cell, a cell over <see cref="RunOptions.CellTimeout"/>, or a dead
    /// kernel. Writes the executed notebook to <see cref="RunOptions.OutputDirectory"/> (if set) in every case, with
    /// outputs up to where it stopped. Never throws for notebook or kernel problems: they are in the result. With
    /// <paramref name="kernel"/>, a kernel <see cref="StartKernel"/> started ahead for this notebook, the run uses it and
    /// then owns and ends it; without it the run starts its own.
    /// </summary>
    /// <exception cref="OperationCanceledException">Never: cancellation gives <see cref="NotebookStatus.Cancelled"/>.</exception>
    public static async Task<NotebookRunResult> RunAsync(string notebookPath, RunOptions options, CancellationToken cancellationToken = default,
        PendingKernel? kernel = null)
    {
        notebookPath = Path.GetFullPath(notebookPath);
        if (kernel is not null && kernel.NotebookPath != notebookPath)
            throw new ArgumentException($"the kernel was started for {kernel.NotebookPath}, not for {notebookPath}", nameof(kernel));
        var clock = Stopwatch.StartNew();
        NotebookDocument document;
        try
        {
            document = NotebookDocument.Load(notebookPath);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            var invalid = new NotebookRunResult
            {
                NotebookPath = notebookPath, Status = NotebookStatus.InvalidNotebook,
                Error = $"cannot read notebook: {e.Message}", Seconds = clock.Elapsed.TotalSeconds,
            };
            if (kernel is not null) await kernel.DisposeAsync(); // started for a notebook that cannot run
            options.Reporter?.NotebookFinished(invalid);
            return invalid;
        }

        var cellCount = document.Cells.Count;
        options.Reporter?.NotebookStarted(notebookPath, cellCount);
        var results = new List<CellResult>();
        var status = NotebookStatus.Succeeded;
        string? error = null;
        int? failedCell = null;

        var runnable = document.Cells.Any(c => c.IsRunnableCode);
        if (runnable) kernel ??= StartKernel(notebookPath, options, cancellationToken);
        var collector = kernel?.Collector ?? new OutputCollector();
        KernelSession? session = null;
        try
        {
            if (runnable) session = await kernel!.Session;

            foreach (var cell in document.Cells)
            {
                if (!cell.IsRunnableCode) continue;
                var live = session!;
                options.Reporter?.CellStarted(notebookPath, cell.Number, cellCount);
                collector.BeginCell(cell.Number);
                var started = DateTimeOffset.UtcNow;
                var cellClock = Stopwatch.StartNew();
                SubmitOutcome outcome;
                string? cellError = null;
                var diedBefore = live.HasExited;
                try
                {
                    (outcome, _) = await live.SubmitAsync(cell.KernelName, cell.Source, options.CellTimeout, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // For example a cell in a kernel this kernel host does not have (javascript, mermaid...).
                    outcome = SubmitOutcome.Completed;
                    collector.AddRunnerError("Error", $"cannot run the cell in kernel '{cell.KernelName}': {e.Message}");
                }
                var seconds = cellClock.Elapsed.TotalSeconds;
                switch (outcome)
                {
                    case SubmitOutcome.Completed:
                        cellError = collector.CurrentError;
                        if (cellError is not null) status = NotebookStatus.CellFailed;
                        break;
                    case SubmitOutcome.TimedOut:
                        live.Kill();
                        cellError = $"cell {cell.Number} exceeded {options.CellTimeout.TotalSeconds:0.###} s";
                        collector.AddRunnerError("Timeout", cellError + "; the kernel was stopped");
                        status = NotebookStatus.TimedOut;
                        break;
                    case SubmitOutcome.KernelExited:
                        var exitText = live.ExitCode is { } code ? $" with code {code}" : "";
                        cellError = diedBefore
                            ? $"the kernel process had exited{exitText} before cell {cell.Number} could run"
                            : $"the kernel process exited{exitText} while cell {cell.Number} was running";
                        collector.AddRunnerError("KernelDied", cellError);
                        status = NotebookStatus.KernelDied;
                        break;
                    case SubmitOutcome.Cancelled:
                        live.Kill();
                        cellError = $"cancelled while cell {cell.Number} was running";
                        collector.AddRunnerError("Cancelled", cellError);
                        status = NotebookStatus.Cancelled;
                        break;
                }

                var result = new CellResult(cell.Number, seconds, collector.OutputsOf(cell.Number), cellError) { Started = started };
                results.Add(result);
                options.Reporter?.CellFinished(notebookPath, result, cellCount);
                if (cellError is not null)
                {
                    error = cellError;
                    failedCell = cell.Number;
                    break;
                }
            }
        }
        catch (KernelStartException e)
        {
            status = NotebookStatus.KernelStartFailed;
            error = e.Message;
        }
        catch (OperationCanceledException)
        {
            status = NotebookStatus.Cancelled;
            error = "cancelled";
        }
        finally
        {
            if (kernel is not null) await kernel.DisposeAsync();
        }

        // Outputs of earlier cells may have changed since they finished (display updates), and cells that did not run
        // must not keep outputs from an older run.
        var executed = results.ToDictionary(r => r.Number);
        var finalResults = results.Select(r => r with { Outputs = collector.OutputsOf(r.Number) }).ToList();
        var count = 0;
        foreach (var cell in document.Cells)
        {
            if (cell.CellType != "code") continue;
            if (executed.TryGetValue(cell.Number, out var ran))
            {
                cell.SetOutputs(++count, collector.OutputsOf(cell.Number));
                cell.SetExecutionTiming(ran.Started, ran.Seconds);
            }
            else
            {
                cell.SetOutputs(null, []);
                cell.SetExecutionTiming(null, 0);
            }
        }

        string? outputPath = null;
        var json = document.ToJson();
        if (options.OutputDirectory is { } outDir)
        {
            outputPath = Path.Combine(Path.GetFullPath(outDir), Path.GetFileName(notebookPath));
            Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
            await File.WriteAllTextAsync(outputPath, json, CancellationToken.None);
        }

        var final = new NotebookRunResult
        {
            NotebookPath = notebookPath,
            OutputPath = outputPath,
            Status = status,
            Seconds = clock.Elapsed.TotalSeconds,
            CellCount = cellCount,
            Cells = finalResults,
            FailedCellNumber = failedCell,
            Error = error,
            ExecutedNotebookJson = json,
        };
        options.Reporter?.NotebookFinished(final);
        return final;
    }

    /// <summary>
    /// Starts the kernel for <paramref name="notebookPath"/> (in the notebook's folder, with the run's hidden setup
    /// submission) without waiting for it, so that it can come up while another notebook runs; pass it to
    /// <see cref="RunAsync"/>, which owns it from then on, or dispose it. A start that fails is reported by that run.
    /// </summary>
    public static PendingKernel StartKernel(string notebookPath, RunOptions options, CancellationToken cancellationToken = default)
    {
        notebookPath = Path.GetFullPath(notebookPath);
        var folder = Path.GetDirectoryName(notebookPath)!;
        var toolDirectory = options.ToolDirectory
                            ?? VaeCourse.Data.RepositoryRoot.Find(folder)
                            ?? VaeCourse.Data.RepositoryRoot.Find(Environment.CurrentDirectory)
                            ?? Environment.CurrentDirectory;
        var collector = new OutputCollector();
        return new PendingKernel(notebookPath, collector, StartWithRetryAsync(folder, toolDirectory, options, collector, cancellationToken));
    }

    private static async Task<KernelSession> StartWithRetryAsync(
        string folder, string toolDirectory, RunOptions options, OutputCollector collector, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the caller goes on while the process starts
        var startClock = Stopwatch.StartNew();
        try
        {
            return await StartKernelAsync(folder, toolDirectory, options, collector, cancellationToken);
        }
        catch (KernelStartException) when (startClock.Elapsed < options.KernelStartTimeout)
        {
            // One retry (not after a timeout): a start can fail transiently on a busy machine; a missing tool
            // fails again at once.
            await Task.Delay(1000, cancellationToken);
            return await StartKernelAsync(folder, toolDirectory, options, collector, cancellationToken);
        }
    }

    /// <summary>Starts a kernel in <paramref name="folder"/> and runs the setup submission; throws KernelStartException.</summary>
    private static async Task<KernelSession> StartKernelAsync(
        string folder, string toolDirectory, RunOptions options, OutputCollector collector, CancellationToken cancellationToken)
    {
        var session = await KernelSession.StartAsync(folder, toolDirectory, options,
            (e, current) => collector.Apply(e, current is not null && ReferenceEquals(e.Command, current)),
            cancellationToken);
        try
        {
            var setup = await session.SubmitAsync("csharp", SetupCode(options), options.KernelStartTimeout, cancellationToken);
            if (setup.Outcome == SubmitOutcome.Cancelled) throw new OperationCanceledException(cancellationToken);
            var failure = setup.Result?.Events.OfType<CommandFailed>().FirstOrDefault()?.Message;
            if (setup.Outcome != SubmitOutcome.Completed || failure is not null)
                throw new KernelStartException($"the kernel failed its setup submission: {failure ?? setup.Outcome.ToString()}");
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Hidden first submission: sets VAE_QUICK for --quick, VAE_FRESH for --fresh, VAE_SEED_OFFSET always (0 unless
    /// --seed-offset or --seeds), VAE_STRICT unless <see cref="RunOptions.Strict"/> is off (a claim that fails fails its
    /// cell: see lib/Claim.cs), and starts a watchdog thread that ends the kernel when this runner
    /// process is gone (so even a killed runner leaves no kernel behind). Produces no output.
    /// </summary>
    private static string SetupCode(RunOptions options)
    {
        var quick = options.Quick ? "System.Environment.SetEnvironmentVariable(\"VAE_QUICK\", \"1\");\n" : "";
        var fresh = options.Fresh ? "System.Environment.SetEnvironmentVariable(\"VAE_FRESH\", \"1\");\n" : "";
        var seed = $"System.Environment.SetEnvironmentVariable(\"VAE_SEED_OFFSET\", \"{options.SeedOffset}\");\n";
        var strict = $"System.Environment.SetEnvironmentVariable(\"VAE_STRICT\", \"{(options.Strict ? "1" : "0")}\");\n";
        return quick + fresh + seed + strict + $$"""
            new System.Threading.Thread(() =>
            {
                while (true)
                {
                    System.Threading.Thread.Sleep(1000);
                    try { using var runner = System.Diagnostics.Process.GetProcessById({{Environment.ProcessId}}); if (runner.HasExited) System.Environment.Exit(137); }
                    catch (System.ArgumentException) { System.Environment.Exit(137); }
                }
            }) { IsBackground = true, Name = "notebook-runner-watchdog" }.Start();
            """;
    }
}

/// <summary>
/// A kernel being started for one notebook ahead of its run (<see cref="NotebookExecutor.StartKernel"/>), with the
/// collector its events go to. Disposing it ends the kernel, once it has started, or at once when it has not.
/// </summary>
public sealed class PendingKernel : IAsyncDisposable
{
    private int _disposed;

    internal PendingKernel(string notebookPath, OutputCollector collector, Task<KernelSession> session)
    {
        NotebookPath = notebookPath;
        Collector = collector;
        Session = session;
    }

    /// <summary>The full path of the notebook the kernel is for.</summary>
    public string NotebookPath { get; }

    internal OutputCollector Collector { get; }

    internal Task<KernelSession> Session { get; }

    /// <summary>Completes when the kernel is ready for the notebook's first cell, or has failed to start; never faults.</summary>
    public Task Ready => Session.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    /// <summary>The kernel process's id once it is ready, else null.</summary>
    public int? ProcessId => Session.IsCompletedSuccessfully ? Session.Result.ProcessId : null;

    /// <summary>Ends the kernel (waiting for its start to finish first); a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        KernelSession session;
        try { session = await Session; }
        catch (Exception) { return; } // it never started: nothing to end (the run that owned it reported why)
        await session.DisposeAsync();
    }
}
