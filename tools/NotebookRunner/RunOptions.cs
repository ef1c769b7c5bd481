namespace NotebookRunner;

/// <summary>Settings for executing notebooks. All members have usable defaults.</summary>
public sealed record RunOptions
{
    /// <summary>Default per-cell time limit (1200 s).</summary>
    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromSeconds(1200);

    /// <summary>Longest time a cell may run before the kernel is killed and the notebook reported as failed.</summary>
    public TimeSpan CellTimeout { get; init; } = DefaultCellTimeout;

    /// <summary>Longest time to wait for a kernel to start and answer.</summary>
    public TimeSpan KernelStartTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>When true, the kernel gets <c>VAE_QUICK=1</c>; otherwise it inherits whatever this process has.</summary>
    public bool Quick { get; init; }

    /// <summary>When true, the kernel gets <c>VAE_FRESH=1</c> (the model cache is ignored); otherwise it inherits whatever this process has.</summary>
    public bool Fresh { get; init; }

    /// <summary>
    /// The kernel gets <c>VAE_SEED_OFFSET</c> set to this (lib/Course.cs: <c>Course.Seed</c> adds it to every seed a
    /// notebook fixes); 0, the default, runs the notebooks with the seeds written in them.
    /// </summary>
    public long SeedOffset { get; init; }
    /// <summary>
    /// When true (the default), the kernel gets <c>VAE_STRICT=1</c>: a claim that does not hold fails its cell and the run.
    /// False lets every claim be checked and recorded, held or not (the seed-spread runs).
    /// </summary>
    public bool Strict { get; init; } = true;
    /// <summary>Folder the executed notebooks are written to (same file name); null writes nothing.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>
    /// Folder from which the kernel command is started, so that <c>dotnet tool run</c> finds the local tool manifest
    /// (<c>.config/dotnet-tools.json</c>) in it or above it. Null: the repository holding the notebook, else the one
    /// holding the current directory, else the current directory. The kernel itself then changes to the notebook's folder.
    /// </summary>
    public string? ToolDirectory { get; init; }

    /// <summary>
    /// Command that starts the kernel in stdio mode; the runner appends <c>--working-dir &lt;notebook folder&gt;</c> and
    /// the connector appends <c>--kernel-host</c>. Null: <see cref="DefaultKernelCommand"/>.
    /// </summary>
    public IReadOnlyList<string>? KernelCommand { get; init; }

    /// <summary>
    /// Where <see cref="Runner.RunAllAsync"/> writes the claims record of the run (<see cref="ClaimsRecord"/>), rewritten
    /// after every notebook; null writes none.
    /// </summary>
    public string? ClaimsRecordPath { get; init; }

    /// <summary>Receives progress notifications; null reports nothing.</summary>
    public RunReporter? Reporter { get; init; }

    /// <summary>The official kernel as a local dotnet tool: <c>dotnet tool run dotnet-interactive -- stdio</c>.</summary>
    public static IReadOnlyList<string> DefaultKernelCommand { get; } =
        ["dotnet", "tool", "run", "dotnet-interactive", "--", "stdio"];
}

/// <summary>Progress notifications of a run. Override what you need; every method does nothing by default.
/// Calls come from the executing flow, one at a time, never from kernel event threads.</summary>
public class RunReporter
{
    /// <summary>A notebook is about to start (its kernel is being started, or was started ahead while the notebook before it ran).</summary>
    public virtual void NotebookStarted(string notebookPath, int cellCount) { }

    /// <summary>A code cell is about to be submitted. <paramref name="cellNumber"/> counts all cells from 1.</summary>
    public virtual void CellStarted(string notebookPath, int cellNumber, int cellCount) { }

    /// <summary>A code cell finished (successfully or not).</summary>
    public virtual void CellFinished(string notebookPath, CellResult cell, int cellCount) { }

    /// <summary>A notebook finished; its executed copy has been written if an output folder was given.</summary>
    public virtual void NotebookFinished(NotebookRunResult result) { }
}
