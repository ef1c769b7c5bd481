using System.Globalization;
using static NotebookRunner.Tests.Notebooks;

namespace NotebookRunner.Tests;

/// <summary>
/// <see cref="Runner.RunAllAsync"/> starts each notebook's kernel while the notebook before it runs: the next kernel is
/// up before the current notebook ends, each notebook still gets a kernel of its own, and a kernel started for a
/// notebook that never runs is ended.
/// </summary>
[Trait("Category", "Slow")]
public sealed class KernelPrestartTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private const string ProcessIdCell = "System.Environment.ProcessId.ToString()";
    private const string StartTimeCell =
        "System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime().ToString(\"O\", System.Globalization.CultureInfo.InvariantCulture)";
    private const string NowCell = "System.DateTime.UtcNow.ToString(\"O\", System.Globalization.CultureInfo.InvariantCulture)";

    [Fact]
    public async Task The_next_notebooks_kernel_is_started_while_the_current_notebook_runs()
    {
        var folder = _temp.Sub("nb");
        var first = Write(folder, "01-first.ipynb",
            Code(ProcessIdCell),
            Code("System.Threading.Thread.Sleep(8_000);"), // long enough for the next kernel to come up meanwhile
            Code(NowCell));
        var second = Write(folder, "02-second.ipynb",
            Code(ProcessIdCell),
            Code(StartTimeCell),
            Code("var fromFirst = typeof(object);"));     // a fresh kernel: nothing of the first notebook is defined

        var results = await Runner.RunAllAsync([first, second], new RunOptions { OutputDirectory = _temp.Sub("out") });

        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.True(r.Succeeded, $"{Path.GetFileName(r.NotebookPath)}: {r.Status}: {r.Error}"));
        var firstPid = int.Parse(results[0].Cells[0].Outputs.Single().PlainText, CultureInfo.InvariantCulture);
        var secondPid = int.Parse(results[1].Cells[0].Outputs.Single().PlainText, CultureInfo.InvariantCulture);
        Assert.NotEqual(firstPid, secondPid);
        var firstEnded = DateTime.Parse(results[0].Cells[2].Outputs.Single().PlainText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var secondStarted = DateTime.Parse(results[1].Cells[1].Outputs.Single().PlainText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.True(secondStarted < firstEnded,
            $"the second kernel started at {secondStarted:O}, after the first notebook's last cell ({firstEnded:O})");
        Assert.False(await StillRunningAfter(firstPid, TimeSpan.FromSeconds(10)), "the first notebook's kernel outlived its run by 10 s");
        Assert.False(await StillRunningAfter(secondPid, TimeSpan.FromSeconds(10)), "the second notebook's kernel outlived its run by 10 s");
    }

    [Fact]
    public async Task A_kernel_started_for_a_notebook_that_never_runs_is_ended()
    {
        var folder = _temp.Sub("nb");
        var first = Write(folder, "01-first.ipynb",
            Code(ProcessIdCell),
            Code("System.Threading.Thread.Sleep(120_000);"));
        var second = Write(folder, "02-second.ipynb", Code(ProcessIdCell));
        using var cancel = new CancellationTokenSource();
        var options = new RunOptions { Reporter = new CancelOnCell(2, cancel) };

        var results = await Runner.RunAllAsync([first, second], options, cancel.Token);

        var only = Assert.Single(results);
        Assert.Equal(NotebookStatus.Cancelled, only.Status);
        // The second kernel was started during the first notebook (as the test above shows); whether or not it was
        // up when the run was cancelled, no kernel of this folder may be left running.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var left = KernelsIn(folder);
        while (left.Count > 0 && waited.Elapsed < TimeSpan.FromSeconds(10)) { await Task.Delay(200); left = KernelsIn(folder); }
        Assert.True(left.Count == 0, $"kernel processes left running: {string.Join(", ", left)}");
    }

    [Fact]
    public async Task Disposing_a_started_kernel_that_no_run_took_ends_its_process()
    {
        var path = Write(_temp.Sub("nb"), "01-only.ipynb", Code(ProcessIdCell));
        var kernel = NotebookExecutor.StartKernel(path, new RunOptions());
        await kernel.Ready;
        var pid = kernel.ProcessId ?? throw new Xunit.Sdk.XunitException("the kernel did not start");
        Assert.True(IsRunning(pid));

        await kernel.DisposeAsync();

        Assert.False(await StillRunningAfter(pid, TimeSpan.FromSeconds(10)), "the kernel process is still running 10 s after DisposeAsync");
        var run = () => NotebookExecutor.RunAsync(Write(_temp.Sub("other"), "02-other.ipynb", Code("1")), new RunOptions(), default, kernel);
        var e = await Assert.ThrowsAsync<ArgumentException>(run);
        Assert.Contains("01-only.ipynb", e.Message);
    }

    /// <summary>The ids of live processes whose command line names <paramref name="folder"/> (Linux's /proc).</summary>
    private static List<int> KernelsIn(string folder)
    {
        Assert.True(Directory.Exists("/proc/self"), "this test reads /proc; it runs on Linux");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (commandLine.Contains(folder, StringComparison.Ordinal) && IsRunning(pid)) found.Add(pid);
        }
        return found;
    }

    /// <summary>Cancels the run when the given cell of the first notebook starts.</summary>
    private sealed class CancelOnCell(int cell, CancellationTokenSource cancel) : RunReporter
    {
        public override void CellStarted(string notebookPath, int cellNumber, int cellCount)
        {
            if (cellNumber == cell) cancel.CancelAfter(TimeSpan.FromSeconds(2));
        }
    }
}
