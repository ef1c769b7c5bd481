using System.Diagnostics;
using static NotebookRunner.Tests.Notebooks;

namespace NotebookRunner.Tests;

/// <summary>A cell over the time limit, a kernel that exits, a kernel that cannot start.</summary>
[Trait("Category", "Slow")]
public sealed class KernelFailureTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Cell_over_the_time_limit_is_stopped_and_reported_in_bounded_time()
    {
        var folder = _temp.Sub("nb");
        var path = Write(folder, "slow.ipynb",
            Code("System.Environment.ProcessId.ToString()"),
            Code("System.Threading.Thread.Sleep(120_000);"),
            Code("File.WriteAllText(\"after.txt\", \"x\");"));
        var clock = Stopwatch.StartNew();

        var result = await NotebookExecutor.RunAsync(path, new RunOptions { CellTimeout = TimeSpan.FromSeconds(5), OutputDirectory = _temp.Sub("out") });

        clock.Stop();
        Assert.Equal(NotebookStatus.TimedOut, result.Status);
        Assert.Equal(2, result.FailedCellNumber);
        Assert.Equal("cell 2 exceeded 5 s", result.Error);
        Assert.InRange(result.Cells[1].Seconds, 4.9, 15);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        Assert.False(File.Exists(Path.Combine(folder, "after.txt")));
        var kernelPid = int.Parse(result.Cells[0].Outputs.Single().PlainText);
        Assert.False(await StillRunningAfter(kernelPid, TimeSpan.FromSeconds(10)), "the kernel process is still running 10 s after the run");
        var written = Nbformat.AssertValid(File.ReadAllText(result.OutputPath!));
        Assert.Contains("exceeded 5 s", written["cells"]![1]!["outputs"]![0]!["evalue"]!.GetValue<string>());
    }

    [Fact]
    public async Task Kernel_that_exits_is_reported_promptly()
    {
        var folder = _temp.Sub("nb");
        var path = Write(folder, "dies.ipynb",
            Code("Console.WriteLine(\"still alive\");"),
            Code("System.Environment.Exit(3);"),
            Code("File.WriteAllText(\"after.txt\", \"x\");"));
        var clock = Stopwatch.StartNew();

        // The cell limit is longer than the test allows: only noticing the exit gives KernelDied within it.
        var result = await NotebookExecutor.RunAsync(path, new RunOptions { CellTimeout = TimeSpan.FromSeconds(60) });

        clock.Stop();
        Assert.Equal(NotebookStatus.KernelDied, result.Status);
        Assert.Equal(2, result.FailedCellNumber);
        Assert.Contains("exited with code 3", result.Error);
        Assert.Equal("still alive\n", result.Cells[0].Outputs.Single().Text);
        Assert.True(result.Cells[1].Seconds < 20, $"cell 2 reported after {result.Cells[1].Seconds} s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
        Assert.False(File.Exists(Path.Combine(folder, "after.txt")));
        Assert.Equal(2, result.Cells.Count);
    }

    [Fact]
    public async Task Missing_kernel_tool_gives_a_clear_message()
    {
        var folder = _temp.Sub("nb");
        var path = Write(folder, "any.ipynb", Code("1"));
        var noManifest = _temp.Sub("no-tools-here"); // no .config/dotnet-tools.json in it or above it

        var result = await NotebookExecutor.RunAsync(path, new RunOptions { ToolDirectory = noManifest, KernelStartTimeout = TimeSpan.FromSeconds(60) });

        Assert.Equal(NotebookStatus.KernelStartFailed, result.Status);
        Assert.Contains("dotnet tool restore", result.Error);
        Assert.Contains("dotnet-interactive", result.Error);
        Assert.Empty(result.Cells);
        // Every start failure names the command and the folder and ends with the remedy, so the phrases above hold for any
        // of them. What only a missing tool gives is the cause between the folder and the remedy: dotnet saying that the
        // folder (with no tool manifest in it or above it) has no tool command dotnet-interactive.
        string error = result.Error!;
        string where = $"in {noManifest}): ";
        int cause = error.IndexOf(where, StringComparison.Ordinal);
        int remedy = error.IndexOf(" The kernel is the local dotnet tool", StringComparison.Ordinal);
        Assert.True(cause >= 0, $"the message does not name the folder without a tool manifest, {noManifest}: {error}");
        Assert.True(remedy > cause, $"the message does not end with the remedy: {error}");
        string why = error[(cause + where.Length)..remedy];
        Assert.Contains("dotnet-interactive", why);       // the missing tool command, as dotnet names it
        Assert.DoesNotContain("no answer within", why);   // not a kernel that started and did not answer
        Assert.DoesNotContain("exited with code", why);   // not a kernel that started and died
        Assert.EndsWith("run `dotnet tool restore` in the repository root.", error);
    }
}
