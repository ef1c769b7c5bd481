namespace NotebookRunner;

/// <summary>How a notebook run ended.</summary>
public enum NotebookStatus
{
    /// <summary>Every code cell ran without error.</summary>
    Succeeded,
    /// <summary>A cell failed (CommandFailed or an error output); later cells were not run.</summary>
    CellFailed,
    /// <summary>A cell exceeded the time limit; the kernel was killed.</summary>
    TimedOut,
    /// <summary>The kernel process exited while a cell ran (or between cells).</summary>
    KernelDied,
    /// <summary>The kernel could not be started (for example the dotnet tool is not restored).</summary>
    KernelStartFailed,
    /// <summary>The file is not a readable nbformat 4 notebook.</summary>
    InvalidNotebook,
    /// <summary>The run was cancelled (Ctrl+C); the kernel was killed.</summary>
    Cancelled,
}

/// <summary>Kinds of nbformat 4 outputs.</summary>
public enum OutputKind
{
    /// <summary><c>stream</c> (stdout or stderr).</summary>
    Stream,
    /// <summary><c>display_data</c>.</summary>
    DisplayData,
    /// <summary><c>execute_result</c> (the cell's return value).</summary>
    ExecuteResult,
    /// <summary><c>error</c>.</summary>
    Error,
}

/// <summary>One output of a cell, as saved in the notebook.</summary>
public sealed record CellOutput
{
    /// <summary>The nbformat output type.</summary>
    public required OutputKind Kind { get; init; }

    /// <summary>For streams: <c>stdout</c> or <c>stderr</c>.</summary>
    public string? StreamName { get; init; }

    /// <summary>For streams: the text.</summary>
    public string? Text { get; init; }

    /// <summary>For display data and results: the value per MIME type (text/plain, text/html, ...).</summary>
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();

    /// <summary>The kernel's display id (value id), if any.</summary>
    public string? DisplayId { get; init; }

    /// <summary>For errors: the exception type or error kind.</summary>
    public string? ErrorName { get; init; }

    /// <summary>For errors: the message.</summary>
    public string? ErrorValue { get; init; }

    /// <summary>For errors: the full error text, one line per entry.</summary>
    public IReadOnlyList<string> Traceback { get; init; } = [];

    /// <summary>Readable text of the output: the stream text, the text/plain (else text/html) value, or the error.</summary>
    public string PlainText => Kind switch
    {
        OutputKind.Stream => Text ?? "",
        OutputKind.Error => string.Join("\n", Traceback),
        _ => Data.TryGetValue("text/plain", out var p) ? p : Data.Values.FirstOrDefault() ?? "",
    };
}

/// <summary>The outcome of one executed code cell.</summary>
/// <param name="Number">Cell number counting every cell of the notebook (markdown too) from 1, as VS Code shows them.</param>
/// <param name="Seconds">Wall time of the cell.</param>
/// <param name="Outputs">The cell's outputs in their final state (display updates applied).</param>
/// <param name="Error">Error text if the cell failed, else null.</param>
public sealed record CellResult(int Number, double Seconds, IReadOnlyList<CellOutput> Outputs, string? Error)
{
    /// <summary>When the cell was sent to the kernel (UTC).</summary>
    public DateTimeOffset Started { get; init; }

    /// <summary>True when the cell ran without error.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>The outcome of one notebook.</summary>
public sealed record NotebookRunResult
{
    /// <summary>The source notebook.</summary>
    public required string NotebookPath { get; init; }

    /// <summary>Where the executed copy was written, or null.</summary>
    public string? OutputPath { get; init; }

    /// <summary>How the run ended.</summary>
    public required NotebookStatus Status { get; init; }

    /// <summary>Total wall time, kernel start included.</summary>
    public double Seconds { get; init; }

    /// <summary>Number of cells in the notebook (all kinds).</summary>
    public int CellCount { get; init; }

    /// <summary>The code cells that were executed, in order.</summary>
    public IReadOnlyList<CellResult> Cells { get; init; } = [];

    /// <summary>Number (all cells, from 1) of the cell that failed, timed out or was running when the kernel died.</summary>
    public int? FailedCellNumber { get; init; }

    /// <summary>Error text for anything but success.</summary>
    public string? Error { get; init; }

    /// <summary>The executed notebook (nbformat 4 JSON), also when the run stopped early; null if unreadable.</summary>
    public string? ExecutedNotebookJson { get; init; }

    /// <summary>True when every code cell ran without error.</summary>
    public bool Succeeded => Status == NotebookStatus.Succeeded;

    /// <summary>Name of the notebook file without folder and extension.</summary>
    public string Name => Path.GetFileNameWithoutExtension(NotebookPath);
}
