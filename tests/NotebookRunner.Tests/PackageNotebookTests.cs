using System.Diagnostics;
using System.Globalization;
using static NotebookRunner.Tests.Notebooks;

namespace NotebookRunner.Tests;

/// <summary>
/// The packed library from a notebook outside the repository: <c>dotnet pack lib</c> into a temporary folder, then a
/// notebook in another temporary folder that references only that package (<c>#i</c> the folder, <c>#r "nuget:
/// VaeCourse"</c>) trains a VAE for a few steps and draws its training curves, in the official kernel. The package's
/// kernel extension must do all the set-up: TorchSharp's native library (patched for an older libstdc++ where the host
/// needs it), the FSharp.Core redirect for Plotly.NET and the chart display.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PackageNotebookTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_notebook_outside_the_repository_needs_only_the_package_to_train_and_chart()
    {
        // A version of its own, so that the kernel restores this package and not one cached by an earlier run.
        var version = "0.1.0-test." + Guid.NewGuid().ToString("N")[..10];
        var feed = _temp.Sub("feed");
        // With the feed unreachable and NuGet's HTTP cache off: the build has every package in the global cache, so
        // packing must not need the network. A dependency range without an exact match in the cache (NU1603) sends
        // each restore to the feed, and a feed fault then failed the pack with an unlogged MSB4181.
        // Its own bin/ and obj/ (--artifacts-path): built in lib/bin/Release, the test version would replace the assembly
        // the course's notebooks load, and with it the module version id that keys every cached model.
        var courseAssembly = new FileInfo(Path.Combine(CourseRun.RepositoryRoot, "lib", "bin", "Release", "net10.0", "VaeCourse.dll"));
        var courseAssemblyWritten = courseAssembly.Exists ? courseAssembly.LastWriteTimeUtc : (DateTime?)null;
        var pack = await RunAsync("dotnet", ["pack", Path.Combine(CourseRun.RepositoryRoot, "lib"), "-c", "Release", "-o", feed,
            "--artifacts-path", _temp.Sub("artifacts"), $"-p:PackageVersion={version}", "-p:RestoreNoHttpCache=true", "-nologo", "-v:q"],
            UnreachableFeed);
        var package = Path.Combine(feed, $"VaeCourse.{version}.nupkg");
        Assert.True(File.Exists(package), $"dotnet pack, with the feed unreachable, wrote no {package}:\n{pack}");
        courseAssembly.Refresh();
        Assert.True(courseAssemblyWritten == (courseAssembly.Exists ? courseAssembly.LastWriteTimeUtc : null),
            $"dotnet pack rewrote {courseAssembly.FullName}, the assembly the course's notebooks load");

        var folder = _temp.Sub("experiment");
        var path = Write(folder, "experiment.ipynb",
            Code($"#i \"nuget: {feed}\"\n#r \"nuget: VaeCourse, {version}\""),
            Code("""
                using VaeCourse;
                using VaeCourse.Model;
                using VaeCourse.Training;
                using TorchSharp;
                var data = torch.rand(256, 20);
                var vae = Vae.Mlp(inputSize: 20, hidden: [32], latentSize: 2);
                var history = new Trainer(vae, new TrainerOptions { Epochs = 3, BatchSize = 64 }).Fit(data);
                string.Join(" ", history.Epochs.Select(e => e.TrainNegativeElbo.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))
                """),
            Code("Charts.TrainingCurves(history)"));
        try
        {
            var result = await NotebookExecutor.RunAsync(path, new RunOptions { OutputDirectory = _temp.Sub("out"), ToolDirectory = CourseRun.RepositoryRoot });

            Assert.True(result.Succeeded, $"{result.Status} in cell {result.FailedCellNumber}: {result.Error}");
            var loaded = result.Cells[0].Outputs.Select(o => o.Data.GetValueOrDefault("text/plain") ?? "");
            Assert.Contains(loaded, text => text.Contains("VaeCourse.Interactive.dll", StringComparison.Ordinal));
            var offline = result.Cells[0].Outputs.Select(o => o.Data.GetValueOrDefault("text/html") ?? "")
                .Count(html => html.Contains(VaeCourse.Charts.OfflinePlotlyMarker, StringComparison.Ordinal));
            Assert.True(offline == 1, $"the extension should display the local plotly.js once when it loads; found {offline}");

            var losses = Assert.Single(result.Cells[1].Outputs, o => o.Kind == OutputKind.ExecuteResult).PlainText
                .Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(3, losses.Length);
            Assert.All(losses, loss => Assert.True(double.IsFinite(loss) && loss > 0, $"negative ELBO {loss}"));
            Assert.True(losses[^1] < losses[0], $"Training did not lower the negative ELBO: {string.Join(", ", losses)}");

            var chart = Assert.Single(result.Cells[2].Outputs).Data.GetValueOrDefault("text/html") ?? "";
            Assert.Contains("Plotly.newPlot(", chart);
            Assert.Contains("requirejs", chart); // loads plotly.js as the notebook hosts can (they have require.js)
            Assert.Contains("training", chart);  // the curves' trace names
        }
        finally
        {
            // The kernel restored the package into the NuGet cache; a test version is of no use there afterwards.
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var restored = Path.Combine(cache, "vaecourse", version);
            if (Directory.Exists(restored)) Directory.Delete(restored, recursive: true);
        }
    }

    /// <summary>A proxy on a port nothing listens on: every request to the package feed is refused at once.</summary>
    private static readonly Dictionary<string, string> UnreachableFeed = new()
    {
        ["HTTPS_PROXY"] = "http://127.0.0.1:9", ["HTTP_PROXY"] = "http://127.0.0.1:9", ["NO_PROXY"] = "",
    };

    private static async Task<string> RunAsync(string file, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var run = Process.Start(start)!;
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = run.StandardError.ReadToEndAsync();
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return $"exit code {run.ExitCode}\n{await stdout}\n{await stderr}";
    }
}
