using System.Diagnostics;
using System.Text.RegularExpressions;
using VaeCourse.Data;

namespace NotebookRunner;

/// <summary>
/// What the runner checks before the first notebook, so that a fresh machine fails early and plainly rather than
/// inside a cell: the pinned kernel tool (restored when missing) and the data sets the notebooks load.
/// </summary>
public static partial class Preflight
{
    /// <summary>
    /// Makes the local tool <c>dotnet-interactive</c> (pinned in <c>.config/dotnet-tools.json</c> in or above
    /// <paramref name="toolDirectory"/>) runnable: when <c>dotnet tool run dotnet-interactive --version</c> fails
    /// because the tool is not restored, runs <c>dotnet tool restore</c> once, saying so through <paramref name="say"/>.
    /// Returns null when the tool runs, else why not (the output of the failing command).
    /// </summary>
    /// <param name="toolDirectory">The folder the tool commands run in (the repository root).</param>
    /// <param name="say">Receives the one line that says the tool is being restored.</param>
    /// <param name="environment">Variables set for both commands (a test points NUGET_PACKAGES at an empty folder); null: none.</param>
    /// <param name="cancellationToken">Stops the commands.</param>
    public static async Task<string?> EnsureKernelToolAsync(string toolDirectory, Action<string> say,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var probe = await DotnetAsync(toolDirectory, environment, cancellationToken, "tool", "run", "dotnet-interactive", "--version");
        if (probe.ExitCode == 0) return null;
        if (!probe.Output.Contains("dotnet tool restore", StringComparison.Ordinal))
            return $"`dotnet tool run dotnet-interactive --version` in {toolDirectory} failed (exit code {probe.ExitCode}):\n{probe.Output.Trim()}";
        say("The kernel tool (Microsoft.dotnet-interactive, .config/dotnet-tools.json) is not restored: running `dotnet tool restore` once.");
        var restore = await DotnetAsync(toolDirectory, environment, cancellationToken, "tool", "restore");
        if (restore.ExitCode != 0)
            return $"`dotnet tool restore` in {toolDirectory} failed (exit code {restore.ExitCode}):\n{restore.Output.Trim()}";
        probe = await DotnetAsync(toolDirectory, environment, cancellationToken, "tool", "run", "dotnet-interactive", "--version");
        return probe.ExitCode == 0 ? null
            : $"after `dotnet tool restore`, `dotnet tool run dotnet-interactive --version` still fails (exit code {probe.ExitCode}):\n{probe.Output.Trim()}";
    }

    /// <summary>
    /// The data sets that the notebooks' code cells load, by name: the first argument of each
    /// <c>Datasets.Load("name", ...)</c> call (a call without a string literal first loads the default, Fashion-MNIST).
    /// Sorted, without repeats.
    /// </summary>
    public static IReadOnlyList<string> DatasetsLoadedBy(IEnumerable<string> notebookPaths)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in notebookPaths)
            foreach (var cell in Cells(path))
                foreach (Match m in LoadCall().Matches(cell.Source))
                    names.Add(m.Groups["name"].Success ? m.Groups["name"].Value : DatasetCatalog.FashionMnist);
        return names.ToList();
    }

    /// <summary>
    /// Resolves each data set as the notebooks will (same places, downloads allowed as in the library's defaults),
    /// so that a missing one stops the run before its first notebook. Returns null when all are there, else the
    /// resolver's message (the places tried and how to fix it), or the known names when a name is unknown.
    /// </summary>
    public static async Task<string?> CheckDatasetsAsync(IEnumerable<string> names, DatasetResolverOptions options, CancellationToken cancellationToken = default)
    {
        foreach (var name in names)
        {
            try { await DatasetResolver.ResolveAsync(name, options, cancellationToken); }
            catch (DatasetNotFoundException e) { return e.Message; }
            catch (ArgumentException e) { return $"a notebook loads the data set \"{name}\": {e.Message}"; } // an unknown name
        }
        return null;
    }

    /// <summary>
    /// Both checks for a run of <paramref name="notebookPaths"/>: the kernel tool from <paramref name="repositoryRoot"/>
    /// (skipped without one: the kernel start then reports it), then the data sets the notebooks load, found from
    /// that root as the notebooks find them. Returns null when the run can start, else why not.
    /// </summary>
    public static async Task<string?> CheckAsync(IReadOnlyList<string> notebookPaths, string? repositoryRoot, Action<string> say,
        CancellationToken cancellationToken = default)
    {
        if (repositoryRoot is not null && await EnsureKernelToolAsync(repositoryRoot, say, cancellationToken: cancellationToken) is { } toolError)
            return toolError;
        return await CheckDatasetsAsync(DatasetsLoadedBy(notebookPaths), new DatasetResolverOptions { RepositoryRoot = repositoryRoot }, cancellationToken);
    }

    // A notebook that does not parse is left to the run, which reports it as invalid.
    private static IEnumerable<NotebookCell> Cells(string path)
    {
        try { return NotebookDocument.Load(path).Cells.Where(c => c.CellType == "code").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException or InvalidDataException) { return []; }
    }

    [GeneratedRegex(@"Datasets\s*\.\s*Load\s*\(\s*(?:""(?<name>[^""]+)"")?")]
    private static partial Regex LoadCall();

    private static async Task<(int ExitCode, string Output)> DotnetAsync(string directory, IReadOnlyDictionary<string, string>? environment,
        CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start `dotnet`");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
