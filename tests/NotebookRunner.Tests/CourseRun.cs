using NotebookRunner.Book;

namespace NotebookRunner.Tests;

/// <summary>Tests that need the course executed share one run: every notebook once, in quick mode, then the book.</summary>
[CollectionDefinition(Name)]
public sealed class CourseCollection : ICollectionFixture<CourseRun>
{
    public const string Name = "Course run";
}

/// <summary>
/// Runs every notebook of the course once in quick mode (VAE_QUICK=1) in the official kernel, writing the executed
/// notebooks to artifacts/test-notebooks, then writes the HTML book from them to artifacts/test-book.
/// </summary>
public sealed class CourseRun : IAsyncLifetime
{
    public static readonly string RepositoryRoot = RepositoryLocator.FindRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"No repository root (a folder with .config/dotnet-tools.json) above {AppContext.BaseDirectory}.");

    public static string NotebooksFolder => Path.Combine(RepositoryRoot, "notebooks");
    public static string ExecutedFolder => Path.Combine(RepositoryRoot, "artifacts", "test-notebooks");
    public static string BookFolder => Path.Combine(RepositoryRoot, "artifacts", "test-book");
    public static string NpmCache => Path.Combine(RepositoryRoot, "artifacts", "cache", "npm");

    public Dictionary<string, NotebookRunResult> Results { get; } = new();
    public BookResult? Book { get; private set; }
    public Exception? BookError { get; private set; }

    public async Task InitializeAsync()
    {
        var options = new RunOptions
        {
            Quick = true,
            OutputDirectory = ExecutedFolder,
            ToolDirectory = RepositoryRoot,
            CellTimeout = TimeSpan.FromMinutes(5),
        };
        foreach (var path in Runner.FindNotebooks(NotebooksFolder))
            Results[Path.GetFileName(path)] = await NotebookExecutor.RunAsync(path, options);
        try
        {
            Book = await BookBuilder.BuildAsync(Runner.ExecutedCopies(NotebooksFolder, ExecutedFolder), BookFolder, NpmCache);
        }
        catch (Exception e)
        {
            BookError = e;
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
