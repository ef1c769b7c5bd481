using VaeCourse.Data;

namespace NotebookRunner.Tests;

/// <summary>The checks the runner makes before its first notebook: the kernel tool, and the data sets.</summary>
[Trait("Category", "Slow")]
public sealed class PreflightTests
{
    [Fact]
    public void The_data_sets_are_read_from_the_code_cells_Datasets_Load_calls()
    {
        using var temp = new TempFolder();
        var a = Notebooks.Write(temp.Path, "a.ipynb",
            Notebooks.Markdown("Not code: Datasets.Load(\"cifar\")"),
            Notebooks.Code("var (train, test) = Datasets.Load(\"mnist\", trainLimit: quick ? 100 : null);"),
            Notebooks.Code("var d = VaeCourse.Data.Datasets.Load();"));
        var b = Notebooks.Write(temp.Path, "b.ipynb", Notebooks.Code("var x = Datasets.Load( \"mnist\" );"));
        Assert.Equal(["fashion-mnist", "mnist"], Preflight.DatasetsLoadedBy([a, b]));
        Assert.Equal(["fashion-mnist"], Preflight.DatasetsLoadedBy(Runner.FindNotebooks(CourseRun.NotebooksFolder)));
    }

    [Fact]
    public async Task A_missing_data_set_without_network_gives_the_resolvers_places_tried_and_fixes()
    {
        using var temp = new TempFolder();
        var options = new DatasetResolverOptions
        {
            GetEnvironmentVariable = _ => null,
            CacheDirectory = temp.Sub("cache"),
            SystemDirectories = [temp.Sub("system")],
            MirrorBaseUrls = [new Uri("http://127.0.0.1:9/")], // nothing listens there: a download fails as offline
        };
        var message = await Preflight.CheckDatasetsAsync(["fashion-mnist"], options);
        Assert.NotNull(message);
        Assert.Contains("fashion-mnist", message);
        Assert.Contains(Path.Combine(temp.Path, "system", "fashion-mnist"), message);
        Assert.Contains("127.0.0.1:9", message);
        Assert.Contains("apt-get install dataset-fashion-mnist", message);

        foreach (var file in DatasetCatalog.Get("fashion-mnist").Files) // only their presence counts at this point
            File.WriteAllText(Path.Combine(temp.Sub(Path.Combine("system", "fashion-mnist")), file.FileName), "");
        Assert.Null(await Preflight.CheckDatasetsAsync(["fashion-mnist"], options));
    }

    [Fact]
    public async Task The_command_stops_before_the_first_notebook_when_the_data_is_not_there()
    {
        using var temp = new TempFolder();
        Notebooks.Write(temp.Sub("notebooks"), "01-x.ipynb", Notebooks.Code("var d = Datasets.Load(\"no-such-set\");"));
        var output = new StringWriter();
        var code = await Cli.InvokeAsync(["--notebooks", Path.Combine(temp.Path, "notebooks"), "--output", temp.Sub("out"), "--no-book"], output);
        var text = output.ToString();
        Assert.Equal(Cli.ExitFailed, code);
        Assert.Contains("not starting", text);
        Assert.Contains("no-such-set", text);
        Assert.DoesNotContain("running (", text);
    }

    [Fact]
    public async Task A_fresh_machine_gets_the_kernel_tool_restored_once_and_told_so()
    {
        // A fresh machine: the repository's tool manifest, an empty NuGet package folder, an empty .NET CLI home (its
        // tool resolver cache would otherwise remember this machine's restore), and, to stay off the network, a
        // package source holding only the pinned tool's package, taken from this machine's package folder.
        using var temp = new TempFolder();
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        const string package = "microsoft.dotnet-interactive.1.0.712001.nupkg";
        File.CreateSymbolicLink(Path.Combine(temp.Sub("feed"), package), Path.Combine(cache, "microsoft.dotnet-interactive", "1.0.712001", package));
        File.Copy(Path.Combine(CourseRun.RepositoryRoot, ".config", "dotnet-tools.json"), Path.Combine(temp.Sub(".config"), "dotnet-tools.json"));
        File.WriteAllText(Path.Combine(temp.Path, "nuget.config"),
            $"<configuration><packageSources><clear /><add key=\"local\" value=\"{Path.Combine(temp.Path, "feed")}\" /></packageSources></configuration>");
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = temp.Sub("packages"), ["DOTNET_CLI_HOME"] = temp.Sub("home") };

        var said = new List<string>();
        Assert.Null(await Preflight.EnsureKernelToolAsync(temp.Path, said.Add, environment));
        Assert.Equal(["The kernel tool (Microsoft.dotnet-interactive, .config/dotnet-tools.json) is not restored: running `dotnet tool restore` once."], said);
        Assert.True(Directory.Exists(Path.Combine(temp.Path, "packages", "microsoft.dotnet-interactive")));

        Assert.Null(await Preflight.EnsureKernelToolAsync(temp.Path, said.Add, environment));
        Assert.Single(said); // restored: nothing more to say
    }
}
