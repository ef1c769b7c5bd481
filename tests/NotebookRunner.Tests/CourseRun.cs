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
/// notebooks and then the HTML book from them into a temporary folder (<see cref="TestArtifacts"/>), which is also the
/// kernels' VAE_ARTIFACTS: the notebooks' model cache and checkpoints go there, so the tests leave the repository's
/// artifacts/ as they found it and train every model afresh.
/// </summary>
public sealed class CourseRun : IAsyncLifetime
{
    public static readonly string RepositoryRoot = VaeCourse.Data.RepositoryRoot.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"No repository root (a folder with .config/dotnet-tools.json) above {AppContext.BaseDirectory}.");

    public static string NotebooksFolder => Path.Combine(RepositoryRoot, "notebooks");
    /// <summary>The temporary folder of this test run's outputs; removed when the run's tests are done.</summary>
    public static readonly string TestArtifacts = Directory.CreateTempSubdirectory("vae-course-tests-").FullName;

    public static string ExecutedFolder => Path.Combine(TestArtifacts, "notebooks");

    /// <summary>
    /// Where the browser tests save their screenshots, in a subfolder per test: VAE_SCREENSHOTS when it names a folder
    /// (to keep them, for example to refresh the README's pictures from the main command's book), otherwise this test
    /// run's temporary folder, so that the tests leave the repository as they found it.
    /// </summary>
    public static string Screenshots(string test) =>
        Path.Combine(Environment.GetEnvironmentVariable("VAE_SCREENSHOTS") is { Length: > 0 } kept ? Path.GetFullPath(kept) : Path.Combine(TestArtifacts, "screenshots"), test);
    public static string BookFolder => Path.Combine(TestArtifacts, "book");
    public static string NpmCache => Path.Combine(RepositoryRoot, "artifacts", "cache", "npm");

    public Dictionary<string, NotebookRunResult> Results { get; } = new();
    public BookResult? Book { get; private set; }
    public Exception? BookError { get; private set; }

    public async Task InitializeAsync()
    {
        // Every kernel started by this test process inherits it (the runner starts them as child processes).
        Environment.SetEnvironmentVariable("VAE_ARTIFACTS", TestArtifacts);
        var options = new RunOptions
        {
            Quick = true,
            OutputDirectory = ExecutedFolder,
            ToolDirectory = RepositoryRoot,
            CellTimeout = TimeSpan.FromMinutes(5),
        };
        foreach (var result in await Runner.RunAllAsync(Runner.FindNotebooks(NotebooksFolder), options))
            Results[Path.GetFileName(result.NotebookPath)] = result;
        try
        {
            Book = await BookBuilder.BuildAsync(Runner.ExecutedCopies(NotebooksFolder, ExecutedFolder), BookFolder, NpmCache);
        }
        catch (Exception e)
        {
            BookError = e;
        }
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(TestArtifacts, recursive: true); }
        catch (IOException) { } // a kernel still closing a file: the system's temporary folder is cleaned in time
        return Task.CompletedTask;
    }
}
