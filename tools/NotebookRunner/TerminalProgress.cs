using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace NotebookRunner;

/// <summary>
/// Progress on a terminal: a bar per notebook (cells done out of its cells) with the running cell's number and
/// elapsed time, redrawn in place by Spectre.Console; each notebook's result and the first line of each error print
/// above the bars, the full error texts after them.
/// Output that is not a terminal keeps the plain progress lines.
/// </summary>
internal static class TerminalProgress
{
    /// <summary>Runs <paramref name="run"/> under a live progress display; it gets the reporter to pass in its options.</summary>
    public static async Task<T> RunAsync<T>(IAnsiConsole console, Func<RunReporter, Task<T>> run)
    {
        var cells = new CellClock();
        T result = default!;
        Reporter? reporter = null;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new CellsColumn(), cells)
            .StartAsync(async context => result = await run(reporter = new Reporter(console, context, cells)));
        // Full error texts after the bars: multi-line writes during the live display garble its redraw.
        foreach (var (title, text) in reporter!.Errors)
        {
            console.MarkupLine($"[red]{Markup.Escape(title)}[/]");
            console.Write(new Text(text.TrimEnd() + "\n"));
        }
        return result;
    }

    private sealed class Reporter(IAnsiConsole console, ProgressContext context, CellClock clock) : RunReporter
    {
        private readonly Dictionary<string, ProgressTask> tasks = new();

        /// <summary>Error texts to print when the live display has ended: a title line and the text.</summary>
        public List<(string Title, string Text)> Errors { get; } = [];

        public override void NotebookStarted(string notebookPath, int cellCount)
        {
            tasks[notebookPath] = context.AddTask(Markup.Escape(Path.GetFileNameWithoutExtension(notebookPath)), maxValue: cellCount);
            clock.Start(tasks[notebookPath], 0); // the kernel is starting
        }

        public override void CellStarted(string notebookPath, int cellNumber, int cellCount) =>
            clock.Start(tasks[notebookPath], cellNumber);

        public override void CellFinished(string notebookPath, CellResult cell, int cellCount)
        {
            var task = tasks[notebookPath];
            clock.Stop(task);
            task.Value = cell.Number;
            if (cell.Error is { } error)
            {
                var title = $"[{task.Description}] error in cell {cell.Number}:";
                console.MarkupLine($"[red]{Markup.Escape(title)}[/] {Markup.Escape(Cli.FirstLine(error))} (in full below)");
                Errors.Add((title, error));
            }
        }

        public override void NotebookFinished(NotebookRunResult result)
        {
            if (!tasks.TryGetValue(result.NotebookPath, out var task)) return;
            clock.Stop(task);
            if (result.Succeeded) task.Value = task.MaxValue;
            task.StopTask();
            var written = result.OutputPath is null ? "" : $" -> {result.OutputPath}";
            var where = result.FailedCellNumber is { } n ? $" at cell {n}" : "";
            console.MarkupLine(result.Succeeded
                ? $"[green]{Markup.Escape($"[{task.Description}] ok")}[/] in {result.Seconds:0.0} s{Markup.Escape(written)}"
                : $"[red]{Markup.Escape($"[{task.Description}] {Cli.StatusText(result.Status)}{where}")}[/] in {result.Seconds:0.0} s{Markup.Escape(written)}");
            if (result.FailedCellNumber is null && result.Error is { } e) Errors.Add(($"[{task.Description}] {Cli.StatusText(result.Status)}:", e));
        }
    }

    /// <summary>"cells done/cells" of a notebook (cell numbers count markdown cells too, as VS Code shows them).</summary>
    private sealed class CellsColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text($"{task.Value:0}/{task.MaxValue:0} cells");
    }

    /// <summary>The running cell of each notebook (0: the kernel is starting) and how long it has run; empty between cells.</summary>
    private sealed class CellClock : ProgressColumn
    {
        private readonly Dictionary<int, (int Number, Stopwatch Watch)> running = new();

        public void Start(ProgressTask task, int number)
        {
            lock (running) running[task.Id] = (number, Stopwatch.StartNew());
        }

        public void Stop(ProgressTask task)
        {
            lock (running) running.Remove(task.Id);
        }

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            lock (running)
                return running.TryGetValue(task.Id, out var cell)
                    ? new Markup($"[yellow]{(cell.Number == 0 ? "waiting for its kernel" : $"cell {cell.Number}")}[/] {cell.Watch.Elapsed.TotalSeconds:0.0} s")
                    : Text.Empty;
        }
    }
}
