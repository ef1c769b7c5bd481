using System.CommandLine;
using Spectre.Console;

namespace NotebookRunner;

/// <summary>The command-line front end: parses options, runs the notebooks, prints progress and a summary.</summary>
public static class Cli
{
    /// <summary>Exit code when every notebook ran without error.</summary>
    public const int ExitOk = 0;
    /// <summary>Exit code when any notebook failed (cell error, timeout, dead kernel, kernel start failure).</summary>
    public const int ExitFailed = 1;
    /// <summary>Exit code for usage errors, missing folders and filters matching no notebook.</summary>
    public const int ExitUsage = 2;
    /// <summary>Exit code after Ctrl+C.</summary>
    public const int ExitCancelled = 130;

    /// <summary>
    /// Runs the command line. <paramref name="output"/> receives everything printed (default: this process's
    /// stdout, with colour only when it is a terminal; any other writer gets plain text).
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        // Capture the real stdout now: while a kernel command runs, the Interactive library swaps Console.Out.
        var writer = output ?? Console.Out;
        var terminal = output is null && !Console.IsOutputRedirected;

        var notebooksOption = new Option<DirectoryInfo?>("--notebooks")
        {
            Description = "Folder of .ipynb notebooks [default: notebooks/ of the repository root, the folder above the current one holding .config/dotnet-tools.json]",
            HelpName = "DIR",
        };
        var outputOption = new Option<DirectoryInfo?>("--output")
        {
            Description = "Folder for the executed notebooks, same file names [default: artifacts/notebooks under the repository root]; the claims record claims.json is written beside it",
            HelpName = "DIR",
        };
        var quickOption = new Option<bool>("--quick") { Description = "Set VAE_QUICK=1 for the kernel (otherwise the kernel inherits this environment's VAE_QUICK)" };
        var freshOption = new Option<bool>("--fresh")
        {
            Description = "Set VAE_FRESH=1 for the kernel: train every model again instead of loading it from the model cache (artifacts/models), and replace the cached one",
        };
        var timeoutOption = new Option<double>("--cell-timeout")
        {
            Description = "Time limit per cell in seconds; a cell over it stops its notebook and kills the kernel",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => RunOptions.DefaultCellTimeout.TotalSeconds,
        };
        var listOption = new Option<bool>("--list") { Description = "List the matching notebooks and exit without running them" };
        var bookOption = new Option<DirectoryInfo?>("--book")
        {
            Description = "Folder for the HTML book written after the run from every executed notebook in --output [default: book, beside the --output folder: artifacts/book]",
            HelpName = "DIR",
        };
        var noBookOption = new Option<bool>("--no-book") { Description = "Do not write the HTML book" };
        var seedOffsetOption = new Option<long>("--seed-offset")
        {
            Description = "Set VAE_SEED_OFFSET for the kernel: every seed a notebook fixes (Course.Seed) is shifted by this whole number [default: 0, the seeds as written]",
            HelpName = "N",
        };
        var seedsOption = new Option<string?>("--seeds")
        {
            Description = "Run the notebooks once per seed offset in this comma-separated list (such as 0,1,2), every claim checked without stopping the run " +
                          "(not strict), executed copies under artifacts/seeds/offset-N/; then write how each claim came out with each offset to --seed-spread",
            HelpName = "LIST",
        };
        var seedSpreadOption = new Option<FileInfo?>("--seed-spread")
        {
            Description = "Where --seeds writes its record [default: data/seed-spread.json under the repository root, which the notebooks show]",
            HelpName = "FILE",
        };
        var bookOnlyOption = new Option<bool>("--book-only") { Description = "Write the HTML book from the notebooks already executed in --output, without running any" };
        var filtersArgument = new Argument<string[]>("filters")
        {
            Description = "Run only notebooks whose file name contains one of these substrings or matches one of these globs (*, ?, [..])",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var root = new RootCommand(
            "Runs the course's C# notebooks headless in the official .NET Interactive kernel (one fresh kernel per notebook, " +
            "working directory = the notebook's folder), writes the executed notebooks with all outputs, and exits non-zero " +
            "if any cell fails. Cell numbers count every cell (markdown too) from 1, as VS Code shows them.")
        {
            notebooksOption, outputOption, quickOption, freshOption, seedOffsetOption, seedsOption, seedSpreadOption, timeoutOption, listOption,
            bookOption, noBookOption, bookOnlyOption, filtersArgument,
        };

        root.SetAction(async (parse, token) =>
        {
            var console = CreateConsole(writer, terminal);
            var repoRoot = VaeCourse.Data.RepositoryRoot.Find(Environment.CurrentDirectory);
            var notebooks = parse.GetValue(notebooksOption)?.FullName
                            ?? (repoRoot is null ? null : Path.Combine(repoRoot, "notebooks"));
            var outDir = parse.GetValue(outputOption)?.FullName
                         ?? (repoRoot is null ? null : Path.Combine(repoRoot, "artifacts", "notebooks"));
            if (notebooks is null || outDir is null)
            {
                console.MarkupLine($"[red]error:[/] no repository root (a folder holding .config/dotnet-tools.json) above {Markup.Escape(Environment.CurrentDirectory)}; pass --notebooks and --output");
                return ExitUsage;
            }
            var timeout = parse.GetValue(timeoutOption);
            if (!(timeout > 0))
            {
                console.MarkupLine("[red]error:[/] --cell-timeout must be a positive number of seconds");
                return ExitUsage;
            }

            var seedOffset = parse.GetValue(seedOffsetOption);
            if (seedOffset < 0)
            {
                console.MarkupLine($"[red]error:[/] --seed-offset must be a whole number 0 or more; got {seedOffset}");
                return ExitUsage;
            }
            IReadOnlyList<long>? seeds = null;
            if (parse.GetValue(seedsOption) is string seedList)
            {
                seeds = ParseSeeds(seedList);
                if (seeds is null)
                {
                    console.MarkupLine($"[red]error:[/] --seeds must be a comma-separated list of distinct whole numbers 0 or more, such as 0,1,2; got '{Markup.Escape(seedList)}'");
                    return ExitUsage;
                }
            }

            IReadOnlyList<string> paths;
            var filters = parse.GetValue(filtersArgument) ?? [];
            try { paths = Runner.FindNotebooks(notebooks, filters); }
            catch (DirectoryNotFoundException e)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return ExitUsage;
            }
            if (paths.Count == 0)
            {
                var what = filters.Length == 0 ? "" : $" matching {string.Join(", ", filters)}";
                console.MarkupLine($"[red]error:[/] no notebooks{Markup.Escape(what)} in {Markup.Escape(notebooks)}");
                return ExitUsage;
            }
            if (parse.GetValue(listOption))
            {
                foreach (var p in paths) console.WriteLine(Path.GetFileName(p));
                return ExitOk;
            }
            var bookDir = parse.GetValue(bookOption)?.FullName ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outDir))!, "book");
            var cacheDir = Path.Combine(repoRoot ?? Path.GetDirectoryName(outDir)!, "artifacts", "cache", "npm");
            if (parse.GetValue(bookOnlyOption))
                return await WriteBookAsync(console, notebooks, outDir, bookDir, cacheDir, token) ? ExitOk : ExitFailed;

            var options = new RunOptions
            {
                CellTimeout = TimeSpan.FromSeconds(timeout),
                Quick = parse.GetValue(quickOption),
                Fresh = parse.GetValue(freshOption),
                SeedOffset = seedOffset,
                OutputDirectory = outDir,
                ClaimsRecordPath = ClaimsRecord.PathBeside(outDir),
                ToolDirectory = repoRoot,
                Reporter = new ConsoleReporter(console, writer),
            };
            string? notReady = null;
            try
            {
                notReady = await Preflight.CheckAsync(paths, repoRoot, line => console.MarkupLine(Markup.Escape(line)), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Cancelled during the checks: the run below starts no notebook, records each as not run and exits 130.
            }
            if (notReady is not null)
            {
                console.MarkupLine("[red]error:[/] not starting: " + Markup.Escape(notReady));
                return ExitFailed;
            }
            if (seeds is not null)
            {
                var spreadPath = parse.GetValue(seedSpreadOption)?.FullName
                                 ?? VaeCourse.SeedSpread.PathIn(repoRoot ?? Path.GetDirectoryName(Path.GetDirectoryName(outDir)!)!);
                var seedsRoot = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outDir))!, "seeds");
                return await SeedRuns.RunAsync(console, terminal, paths, options, seeds, seedsRoot, spreadPath, args, repoRoot, token);
            }
            console.MarkupLine($"Running {paths.Count} notebook(s) from {Markup.Escape(notebooks)} -> {Markup.Escape(outDir)}" +
                               (options.Quick ? " (VAE_QUICK=1)" : "") + (options.Fresh ? " (VAE_FRESH=1)" : "") +
                               (options.SeedOffset != 0 ? $" (VAE_SEED_OFFSET={options.SeedOffset})" : ""));
            var results = terminal
                ? await TerminalProgress.RunAsync(console, reporter => Runner.RunAllAsync(paths, options with { Reporter = reporter }, token))
                : await Runner.RunAllAsync(paths, options, token);
            PrintSummary(console, paths, results, terminal);
            var claims = paths.SelectMany(p => ClaimsRecord.Of(p, results.FirstOrDefault(r => r.NotebookPath == p)));
            console.MarkupLine($"Claims: {Markup.Escape(ClaimsRecord.Summary(claims))} -> {Markup.Escape(options.ClaimsRecordPath!)}");
            if (!parse.GetValue(noBookOption) && !token.IsCancellationRequested)
                await WriteBookAsync(console, notebooks, outDir, bookDir, cacheDir, token); // a book failure is reported, the run's result stands
            if (token.IsCancellationRequested || results.Any(r => r.Status == NotebookStatus.Cancelled)) return ExitCancelled;
            return results.Count == paths.Count && results.All(r => r.Succeeded) ? ExitOk : ExitFailed;
        });

        var config = new InvocationConfiguration
        {
            Output = writer,
            Error = writer,
            // Ctrl+C / SIGTERM cancel the token; the run then kills its kernel and writes what it has.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(15),
        };
        return await root.Parse(args).InvokeAsync(config, cancellationToken);
    }

    /// <summary>"0,1,2" as distinct offsets 0 or more, in order; null when the list is empty or malformed.</summary>
    internal static IReadOnlyList<long>? ParseSeeds(string text)
    {
        var offsets = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long offset) || offsets.Contains(offset))
                return null;
            offsets.Add(offset);
        }
        return offsets.Count == 0 ? null : offsets;
    }

    /// <summary>
    /// Writes the book from every notebook of <paramref name="notebooks"/> that has an executed copy in
    /// <paramref name="executedDir"/>, in the notebooks' order; prints where it is or why it could not be written.
    /// </summary>
    private static async Task<bool> WriteBookAsync(IAnsiConsole console, string notebooks, string executedDir, string bookDir, string cacheDir, CancellationToken token)
    {
        var executed = Runner.ExecutedCopies(notebooks, executedDir);
        try
        {
            var readme = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(notebooks))!, "README.md");
            var book = await Book.BookBuilder.BuildAsync(executed, bookDir, cacheDir, cancellationToken: token, claimMap: Book.BookBuilder.ClaimMapFrom(readme));
            console.MarkupLine($"Book: {book.Pages.Count} page(s), {book.Pages.Sum(p => p.Charts)} chart(s), {book.Bytes / 1e6:0.0} MB -> {Markup.Escape(book.IndexPath)}");
            return true;
        }
        catch (Book.BookException e)
        {
            console.MarkupLine($"[yellow]book not written:[/] {Markup.Escape(e.Message)}");
            return false;
        }
    }

    private static IAnsiConsole CreateConsole(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No, // live progress bars on a terminal
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal) console.Profile.Width = 1000; // no wrapping in logs
        return console;
    }

    internal static void PrintSummary(IAnsiConsole console, IReadOnlyList<string> paths, IReadOnlyList<NotebookRunResult> results, bool terminal)
    {
        var table = new Table().Border(terminal ? TableBorder.Rounded : TableBorder.Ascii)
            .AddColumn("notebook").AddColumn("result").AddColumn(new TableColumn("seconds").RightAligned())
            .AddColumn("claims").AddColumn("failing cell");
        foreach (var path in paths)
        {
            var r = results.FirstOrDefault(x => x.NotebookPath == path);
            var name = Markup.Escape(Path.GetFileNameWithoutExtension(path));
            if (r is null)
            {
                table.AddRow(name, "[grey]not run[/]", "", Markup.Escape(ClaimsRecord.Summary(ClaimsRecord.Of(path, null))), "");
                continue;
            }
            var status = r.Succeeded ? "[green]ok[/]" : $"[red]{Markup.Escape(StatusText(r.Status))}[/]";
            var failing = r.FailedCellNumber is { } n ? $"{n}: {Markup.Escape(FirstLine(r.Error))}" : r.Succeeded ? "" : Markup.Escape(FirstLine(r.Error));
            table.AddRow(name, status, r.Seconds.ToString("0.0"), Markup.Escape(ClaimsRecord.Summary(ClaimsRecord.Of(r))), failing);
        }
        console.Write(table);
        var passed = results.Count(r => r.Succeeded);
        console.MarkupLine($"Notebooks: {passed} passed, {paths.Count - passed} failed");
    }

    internal static string StatusText(NotebookStatus status) => status switch
    {
        NotebookStatus.Succeeded => "ok",
        NotebookStatus.CellFailed => "failed",
        NotebookStatus.TimedOut => "timed out",
        NotebookStatus.KernelDied => "kernel died",
        NotebookStatus.KernelStartFailed => "kernel start failed",
        NotebookStatus.InvalidNotebook => "invalid notebook",
        NotebookStatus.Cancelled => "cancelled",
        _ => status.ToString(),
    };

    internal static string FirstLine(string? text)
    {
        var line = (text ?? "").Split('\n')[0].Trim();
        return line.Length > 100 ? line[..97] + "..." : line;
    }

    /// <summary>Prints per-notebook and per-cell progress lines.</summary>
    private sealed class ConsoleReporter(IAnsiConsole console, TextWriter raw) : RunReporter
    {
        public override void NotebookStarted(string notebookPath, int cellCount) =>
            console.MarkupLine($"[bold]{Tag(notebookPath)}[/] running ({cellCount} cells)");

        public override void CellStarted(string notebookPath, int cellNumber, int cellCount) =>
            console.Markup($"{Tag(notebookPath)} cell {cellNumber}/{cellCount} ... ");

        public override void CellFinished(string notebookPath, CellResult cell, int cellCount)
        {
            console.MarkupLine(cell.Succeeded ? $"{cell.Seconds:0.0} s" : $"{cell.Seconds:0.0} s [red]FAILED[/]");
            if (cell.Error is { } error)
            {
                console.MarkupLine($"[red]{Tag(notebookPath)} error in cell {cell.Number}:[/]");
                raw.WriteLine(Indent(error)); // unwrapped: stack traces stay readable and greppable
            }
        }

        public override void NotebookFinished(NotebookRunResult result)
        {
            var written = result.OutputPath is null ? "" : $" -> {Markup.Escape(result.OutputPath)}";
            if (result.Succeeded)
            {
                console.MarkupLine($"[green]{Tag(result.NotebookPath)} ok[/] in {result.Seconds:0.0} s{written}");
                return;
            }
            var where = result.FailedCellNumber is { } n ? $" at cell {n}" : "";
            console.MarkupLine($"[red]{Tag(result.NotebookPath)} {Markup.Escape(StatusText(result.Status))}{where}[/] in {result.Seconds:0.0} s{written}");
            if (result.FailedCellNumber is null && result.Error is { } e) raw.WriteLine(Indent(e));
        }

        private static string Tag(string path) => Markup.Escape($"[{Path.GetFileNameWithoutExtension(path)}]");

        private static string Indent(string text) =>
            string.Join("\n", text.Replace("\r\n", "\n").TrimEnd().Split('\n').Select(l => "    " + l));
    }
}
