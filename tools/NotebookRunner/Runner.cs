using System.Text.RegularExpressions;

namespace NotebookRunner;

/// <summary>Finds and runs a folder's notebooks, one fresh kernel each, in name order.</summary>
public static class Runner
{
    /// <summary>
    /// The <c>*.ipynb</c> files directly in <paramref name="notebooksDirectory"/>, sorted by file name (ordinal),
    /// keeping those whose file name matches any filter (all of them when there is no filter).
    /// A filter with <c>*</c>, <c>?</c> or <c>[</c> is a glob over the file name (with or without .ipynb);
    /// any other filter is a substring of the file name. Matching ignores case.
    /// </summary>
    public static IReadOnlyList<string> FindNotebooks(string notebooksDirectory, IReadOnlyList<string>? filters = null)
    {
        if (!Directory.Exists(notebooksDirectory))
            throw new DirectoryNotFoundException($"notebook folder not found: {notebooksDirectory}");
        return Directory.EnumerateFiles(notebooksDirectory, "*.ipynb", SearchOption.TopDirectoryOnly)
            .Where(p => Matches(Path.GetFileName(p), filters))
            .OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal)
            .Select(Path.GetFullPath)
            .ToList();
    }

    /// <summary>
    /// The executed copies in <paramref name="executedDirectory"/> of the notebooks of <paramref name="notebooksDirectory"/>,
    /// in the notebooks' order, leaving out notebooks that have no executed copy yet: what a book is made of.
    /// </summary>
    public static IReadOnlyList<string> ExecutedCopies(string notebooksDirectory, string executedDirectory) =>
        FindNotebooks(notebooksDirectory)
            .Select(p => Path.Combine(executedDirectory, Path.GetFileName(p)))
            .Where(File.Exists)
            .ToList();

    /// <summary>True when <paramref name="fileName"/> matches any of <paramref name="filters"/> (or there are none).</summary>
    public static bool Matches(string fileName, IReadOnlyList<string>? filters)
    {
        if (filters is null || filters.Count == 0) return true;
        var stem = Path.GetFileNameWithoutExtension(fileName);
        foreach (var filter in filters)
        {
            if (filter.IndexOfAny(['*', '?', '[']) >= 0)
            {
                var regex = new Regex("^" + GlobToRegex(filter) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
                if (regex.IsMatch(fileName) || regex.IsMatch(stem)) return true;
            }
            else if (fileName.Contains(filter, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Runs the notebooks one after the other, each in a fresh kernel, going on after failures. Each notebook's kernel
    /// is started while the notebook before it runs (once that one's kernel is up), so that it is ready when its turn
    /// comes: a kernel takes seconds to start, and the notebooks share nothing through it.
    /// Stops early only when cancelled or when a kernel cannot be started (the next would fail the same way);
    /// notebooks not run then are absent from the result, and a kernel started for one of them is ended. With
    /// <see cref="RunOptions.ClaimsRecordPath"/>, writes the claims record before the first notebook and after each
    /// one, so a stopped run leaves the record of what ran.
    /// </summary>
    public static async Task<IReadOnlyList<NotebookRunResult>> RunAllAsync(
        IReadOnlyList<string> notebookPaths, RunOptions options, CancellationToken cancellationToken = default)
    {
        var results = new List<NotebookRunResult>();
        var record = options.ClaimsRecordPath is { } recordPath ? new ClaimsRecord(recordPath, notebookPaths) : null;
        record?.Write(complete: false);
        PendingKernel? next = null;
        try
        {
            for (int i = 0; i < notebookPaths.Count; i++)
            {
                if (cancellationToken.IsCancellationRequested) break;
                var current = next ?? NotebookExecutor.StartKernel(notebookPaths[i], options, cancellationToken);
                next = null;
                await current.Ready; // one kernel starting at a time
                if (i + 1 < notebookPaths.Count && !cancellationToken.IsCancellationRequested)
                    next = NotebookExecutor.StartKernel(notebookPaths[i + 1], options, cancellationToken);
                var result = await NotebookExecutor.RunAsync(notebookPaths[i], options, cancellationToken, current);
                results.Add(result);
                record?.Add(result);
                record?.Write(complete: results.Count == notebookPaths.Count && result.Status != NotebookStatus.Cancelled);
                if (result.Status is NotebookStatus.KernelStartFailed or NotebookStatus.Cancelled) break;
            }
        }
        finally
        {
            if (next is not null) await next.DisposeAsync();
        }
        return results;
    }

    private static string GlobToRegex(string glob)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    var close = glob.IndexOf(']', i + 1);
                    if (close < 0) { sb.Append(@"\["); break; }
                    var set = glob[(i + 1)..close];
                    if (set.StartsWith('!')) set = "^" + set[1..];
                    sb.Append('[').Append(set.Replace(@"\", @"\\")).Append(']');
                    i = close;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return sb.ToString();
    }
}
