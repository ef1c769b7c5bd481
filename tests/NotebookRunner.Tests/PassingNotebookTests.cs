using System.Globalization;
using System.Text.Json.Nodes;
using static NotebookRunner.Tests.Notebooks;

namespace NotebookRunner.Tests;

/// <summary>A notebook that runs through: outputs captured, working directory, VAE_QUICK, valid ipynb written.</summary>
[Trait("Category", "Slow")]
public sealed class PassingNotebookTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Passing_notebook_outputs_are_captured_and_written_as_valid_ipynb()
    {
        var folder = _temp.Sub("notebooks");
        File.WriteAllText(Path.Combine(_temp.Sub("common"), "helper.csx"), "var fromHelper = \"imported\";\n");
        var path = Write(folder, "01-pass.ipynb",
            Markdown("# Title\nnot code"),                                                   // 1
            Code("Console.WriteLine(\"hello\");\nConsole.Error.WriteLine(\"warn\");"),         // 2
            Code("display(\"x\").Update(\"y\");"),                                             // 3
            Code("\"answer: \" + (6 * 7)"),                                                    // 4
            Code("System.IO.Directory.GetCurrentDirectory()"),                                 // 5
            Code("#!import ../common/helper.csx\nfromHelper"),                                 // 6
            Code("System.Environment.GetEnvironmentVariable(\"VAE_QUICK\") ?? \"unset\""),     // 7
            Code("   "));                                                                      // 8: blank, not run
        var output = _temp.Sub("out");

        var result = await NotebookExecutor.RunAsync(path, new RunOptions { OutputDirectory = output, Quick = true });

        Assert.True(result.Succeeded, $"{result.Status}: {result.Error}");
        Assert.Null(result.FailedCellNumber);
        Assert.Equal(8, result.CellCount);
        Assert.Equal([2, 3, 4, 5, 6, 7], result.Cells.Select(c => c.Number));

        var hello = Assert.Single(result.Cells[0].Outputs, o => o.StreamName == "stdout");
        Assert.Equal("hello\n", hello.Text);
        Assert.Contains(result.Cells[0].Outputs, o => o.StreamName == "stderr" && o.Text == "warn\n");

        var display = Assert.Single(result.Cells[1].Outputs);           // the update replaced the first value
        Assert.Equal(OutputKind.DisplayData, display.Kind);
        Assert.Equal("y", display.PlainText);

        var answer = Assert.Single(result.Cells[2].Outputs);
        Assert.Equal(OutputKind.ExecuteResult, answer.Kind);
        Assert.Equal("answer: 42", answer.PlainText);

        Assert.Equal(folder, Assert.Single(result.Cells[3].Outputs).PlainText.TrimEnd('/'));
        Assert.Equal("imported", Assert.Single(result.Cells[4].Outputs).PlainText);
        Assert.Equal("1", Assert.Single(result.Cells[5].Outputs).PlainText);

        // The written notebook: valid, same name, metadata kept, outputs in place, stale outputs gone.
        Assert.Equal(Path.Combine(output, "01-pass.ipynb"), result.OutputPath);
        var written = File.ReadAllText(result.OutputPath!);
        Assert.Equal(result.ExecutedNotebookJson, written);
        var root = Nbformat.AssertValid(written);
        Assert.Equal(".net-csharp", root["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal("csharp", root["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
        var cells = root["cells"]!.AsArray();
        Assert.Equal("# Title\nnot code", cells[0]!["source"]!.GetValue<string>());
        Assert.Equal("cell2", cells[1]!["id"]!.GetValue<string>());
        Assert.Equal("csharp", cells[1]!["metadata"]!["polyglot_notebook"]!["kernelName"]!.GetValue<string>());
        Assert.Equal(1, cells[1]!["execution_count"]!.GetValue<int>());
        Assert.Equal(6, cells[6]!["execution_count"]!.GetValue<int>());
        Assert.Null(cells[7]!["execution_count"]);
        // When each cell ran, as Jupyter's clients record it; none for the cell that did not run.
        var timing = cells[1]!["metadata"]!["execution"]!;
        var (input, reply) = (DateTimeOffset.Parse(timing["iopub.execute_input"]!.GetValue<string>(), CultureInfo.InvariantCulture),
                              DateTimeOffset.Parse(timing["shell.execute_reply"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.InRange(reply - input, TimeSpan.Zero, TimeSpan.FromSeconds(result.Seconds));
        Assert.Equal(result.Cells[0].Seconds, (reply - input).TotalSeconds, 1e-5);
        Assert.Null(cells[7]!["metadata"]!["execution"]);
        Assert.Empty(cells[7]!["outputs"]!.AsArray());
        Assert.DoesNotContain("stale", written);
        var displayJson = Assert.Single(cells[2]!["outputs"]!.AsArray())!;
        Assert.Equal("display_data", displayJson["output_type"]!.GetValue<string>());
        Assert.Equal("y", Text(displayJson["data"]!["text/plain"]));
        var resultJson = Assert.Single(cells[3]!["outputs"]!.AsArray())!;
        Assert.Equal("execute_result", resultJson["output_type"]!.GetValue<string>());
        Assert.Equal(3, resultJson["execution_count"]!.GetValue<int>());
        Assert.Equal("hello\n", Text(cells[1]!["outputs"]![0]!["text"]));
    }

    private static string Text(JsonNode? node) =>
        node is JsonArray a ? string.Concat(a.Select(x => x!.GetValue<string>())) : node!.GetValue<string>();
}
