using System.Diagnostics;
using Spectre.Console;
using VaeCourse;

namespace NotebookRunner;

/// <summary>
/// <c>--seeds 0,1,2</c>: the notebooks once per seed offset, with claims checked but not strict (a claim that fails with
/// one seed is recorded and the notebook goes on, so that every claim is measured with every seed), then the record of
/// how each claim came out with each offset (<see cref="SeedSpread"/>), written atomically.
/// </summary>
internal static class SeedRuns
{
    /// <summary>
    /// Runs <paramref name="paths"/> once per offset of <paramref name="offsets"/> (executed copies and claims record under
    /// <paramref name="seedsRoot"/>/offset-N/), writes the record to <paramref name="spreadPath"/> and prints, per notebook,
    /// how many claims held with every offset. Exits 0 when every notebook ran to its end with every offset (whatever its
    /// claims), 1 when one did not, 130 when cancelled (then no record is written).
    /// </summary>
    public static async Task<int> RunAsync(IAnsiConsole console, bool terminal, IReadOnlyList<string> paths, RunOptions options,
        IReadOnlyList<long> offsets, string seedsRoot, string spreadPath, string[] args, string? repoRoot, CancellationToken token)
    {
        var runs = new List<(long Offset, IReadOnlyList<(string Notebook, string Statement, string Status, string? Evidence)> Claims)>();
        bool allRan = true;
        for (int i = 0; i < offsets.Count; i++)
        {
            long offset = offsets[i];
            var outDir = Path.Combine(seedsRoot, $"offset-{offset}", "notebooks");
            var run = options with
            {
                SeedOffset = offset,
                Strict = false,
                OutputDirectory = outDir,
                ClaimsRecordPath = ClaimsRecord.PathBeside(outDir),
            };
            console.MarkupLine($"Seed offset {offset} ({i + 1} of {offsets.Count}): {paths.Count} notebook(s) -> {Markup.Escape(outDir)}" +
                               (options.Quick ? " (VAE_QUICK=1)" : "") + (options.Fresh ? " (VAE_FRESH=1)" : ""));
            var results = terminal
                ? await TerminalProgress.RunAsync(console, reporter => Runner.RunAllAsync(paths, run with { Reporter = reporter }, token))
                : await Runner.RunAllAsync(paths, run, token);
            Cli.PrintSummary(console, paths, results, terminal);
            if (token.IsCancellationRequested || results.Any(r => r.Status == NotebookStatus.Cancelled))
            {
                console.MarkupLine("Cancelled: no seed-spread record written.");
                return Cli.ExitCancelled;
            }
            allRan &= results.Count == paths.Count && results.All(r => r.Succeeded); // not strict: a failed claim fails no cell, any failure is an error
            var claims = paths.SelectMany(p => ClaimsRecord.Of(p, results.FirstOrDefault(r => r.NotebookPath == p)))
                .Where(c => c.Statement is not null)
                .Select(c => (c.Notebook, c.Statement!, c.Status, c.Evidence))
                .ToList();
            runs.Add((offset, claims));
        }

        string command = "dotnet run -c Release --project tools/NotebookRunner -- " + string.Join(" ", args);
        var spread = SeedSpread.FromRuns(command, options.Quick ? "quick" : "full", DateTimeOffset.UtcNow, GitCommit(repoRoot), runs);
        spread.Save(spreadPath);
        foreach (var notebook in paths.Select(Path.GetFileName).Distinct())
            console.MarkupLine($"[[{Markup.Escape(Path.GetFileNameWithoutExtension(notebook!))}]] {Markup.Escape(spread.Summary(notebook!))}");
        console.MarkupLine($"Seed spread: {spread.Claims.Count} claims over {offsets.Count} runs -> {Markup.Escape(spreadPath)}");
        if (!allRan) console.MarkupLine("[red]error:[/] a notebook did not run to its end with every seed offset (see the summaries above); its later claims are missing from the record.");
        return allRan ? Cli.ExitOk : Cli.ExitFailed;
    }

    /// <summary>The commit HEAD of <paramref name="repoRoot"/>, or null when git or the repository is not there.</summary>
    private static string? GitCommit(string? repoRoot)
    {
        if (repoRoot is null) return null;
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", repoRoot, "rev-parse", "HEAD"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (git is null) return null;
            string head = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && head.Length >= 7 ? head : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
