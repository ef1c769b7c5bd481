namespace NotebookRunner.Tests;

/// <summary>
/// Every notebook of the course (notebooks/*.ipynb) runs top to bottom in quick mode (VAE_QUICK=1) in the official
/// kernel, through the runner, with no failing cell and no error output (error outputs or standard-error text).
/// </summary>
[Collection(CourseCollection.Name)]
[Trait("Category", "Slow")]
public sealed class CourseNotebookTests(CourseRun course)
{
    private static readonly string RepositoryRoot = CourseRun.RepositoryRoot;

    public static TheoryData<string> CourseNotebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Runner.FindNotebooks(Path.Combine(RepositoryRoot, "notebooks")))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Fact]
    public void The_course_has_a_notebook_for_each_of_the_articles_nine_sections()
    {
        var names = Runner.FindNotebooks(Path.Combine(RepositoryRoot, "notebooks")).Select(Path.GetFileName).ToList();
        Assert.Equal(
            ["01-background.ipynb", "02-core-concepts.ipynb", "03-algorithm.ipynb", "04-maths.ipynb", "05-project-practice.ipynb",
             "06-applications.ipynb", "07-tools-and-resources.ipynb", "08-future-directions.ipynb", "09-faq.ipynb"],
            names);
    }

    [Theory]
    [MemberData(nameof(CourseNotebooks))]
    public void Notebook_runs_in_quick_mode_without_error_output(string fileName)
    {
        var result = course.Results[fileName];

        Assert.True(result.Succeeded, $"{fileName}: {result.Status} at cell {result.FailedCellNumber}: {result.Error}");
        var errors = result.Cells
            .SelectMany(c => c.Outputs.Select(o => (c.Number, Output: o)))
            .Where(x => x.Output.Kind == OutputKind.Error || (x.Output.Kind == OutputKind.Stream && x.Output.StreamName == "stderr"))
            .Select(x => $"cell {x.Number}: {x.Output.PlainText}")
            .ToList();
        Assert.True(errors.Count == 0, $"{fileName} wrote error output:\n{string.Join("\n", errors)}");
        // plotly.js goes into the notebook once, from its setup cell, before the first chart.
        var html = result.Cells.SelectMany(c => c.Outputs).Select(o => o.Data.TryGetValue("text/html", out var h) ? h : "").ToList();
        var firstChart = html.FindIndex(h => h.Contains("Plotly.newPlot(") && !h.Contains(VaeCourse.Charts.OfflinePlotlyMarker));
        var offline = html.Select((h, i) => (h, i)).Where(x => x.h.Contains(VaeCourse.Charts.OfflinePlotlyMarker + "=")).Select(x => x.i).ToList();
        Assert.True(offline.Count == 1, $"{fileName} has {offline.Count} outputs carrying plotly.js; the setup cell writes exactly one.");
        Assert.True(firstChart < 0 || offline[0] < firstChart, $"{fileName}: a chart comes before the setup's plotly.js.");
        Assert.True(result.Seconds < 120, $"{fileName} took {result.Seconds:F0} s in quick mode; the budget is under 60 s.");
    }
}

/// <summary>The notebooks' sources (no kernel): each opens with the one setup cell.</summary>
public sealed class CourseNotebookSetupTests
{
    [Theory]
    [MemberData(nameof(CourseNotebookTests.CourseNotebooks), MemberType = typeof(CourseNotebookTests))]
    public void Notebook_opens_with_the_one_setup_cell_and_then_code_about_VAEs(string fileName)
    {
        var cells = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(CourseRun.NotebooksFolder, fileName)))!["cells"]!.AsArray()
            .Select(c => (Type: (string)c!["cell_type"]!, Source: string.Concat(c["source"]!.AsArray().Select(l => (string)l!)))).ToList();
        var code = cells.Where(c => c.Type == "code").Select(c => c.Source).ToList();
        Assert.Equal("#!import setup/course.dib", code[0]);
        var setupIndex = cells.FindIndex(c => c.Type == "code");
        Assert.StartsWith("**Setup.**", cells[setupIndex - 1].Source);
        Assert.DoesNotContain('\n', cells[setupIndex - 1].Source.Trim());
        // No other cell repeats any of the setup's steps.
        Assert.DoesNotContain(code.Skip(1), c => c.Contains("#!import") || c.Contains("VaeCourse.dll") || c.Contains("Plotly.NET.Interactive") || c.Contains("Course.Setup("));
    }
}
