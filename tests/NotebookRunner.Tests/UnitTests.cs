using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace NotebookRunner.Tests;

/// <summary>Pieces that need no kernel: display-update bookkeeping, notebook JSON, filters.</summary>
public sealed class UnitTests
{
    private static readonly SubmitCode Command = new("x");

    private static DisplayedValueProduced Shown(string id, string value, string mime = "text/plain") =>
        new(value, Command, [new FormattedValue(mime, value)], id);

    private static DisplayedValueUpdated Updated(string id, string value, string mime = "text/plain") =>
        new(value, id, Command, [new FormattedValue(mime, value)]);

    [Fact]
    public void Update_with_the_displays_own_id_replaces_it_in_place()
    {
        var c = new OutputCollector();
        c.BeginCell(1);
        c.Apply(Shown("a", "x"), true);
        c.Apply(new StandardOutputValueProduced(Command, [new FormattedValue("text/plain", "line\n")]), true);
        c.Apply(Updated("a", "y"), true);

        Assert.Equal(["y", "line\n"], c.OutputsOf(1).Select(o => o.PlainText));
    }

    [Fact]
    public void Update_under_a_new_id_replaces_the_display_it_belongs_to()
    {
        // What kernel 1.0.712001 sends for `var p = display("x"); p.Update("y"); p.Update("z")`:
        // the updates carry an id different from the display's.
        var c = new OutputCollector();
        c.BeginCell(1);
        c.Apply(Shown("a", "x"), true);
        c.Apply(Updated("b", "y"), true);
        c.Apply(Updated("b", "z"), true);

        Assert.Equal("z", Assert.Single(c.OutputsOf(1)).PlainText);
    }

    [Fact]
    public void Updates_under_new_ids_pair_by_mime_types_and_order()
    {
        var c = new OutputCollector();
        c.BeginCell(1);
        c.Apply(Shown("chart", "<div>0</div>", "text/html"), true);
        c.Apply(Shown("p1", "epoch 0"), true);
        c.Apply(Shown("p2", "loss ?"), true);
        c.BeginCell(2);
        c.Apply(Updated("u1", "epoch 1"), true);
        c.Apply(Updated("u2", "loss 3"), true);
        c.Apply(Updated("u3", "<div>1</div>", "text/html"), true);

        Assert.Equal(["<div>1</div>", "epoch 1", "loss 3"], c.OutputsOf(1).Select(o => o.PlainText));
        Assert.Empty(c.OutputsOf(2));
    }

    [Fact]
    public void Stream_writes_merge_and_command_failure_becomes_an_error_output()
    {
        var c = new OutputCollector();
        c.BeginCell(3);
        c.Apply(new StandardOutputValueProduced(Command, [new FormattedValue("text/plain", "a\n")]), true);
        c.Apply(new StandardOutputValueProduced(Command, [new FormattedValue("text/plain", "b\n")]), true);
        c.Apply(new CommandFailed(null, new SubmitCode("child"), "ignored: not the cell's command"), false);
        c.Apply(new CommandFailed(null, Command, "System.IO.IOException: disk\n   at Foo()"), true);

        var outputs = c.OutputsOf(3);
        Assert.Equal(2, outputs.Count);
        Assert.Equal("a\nb\n", outputs[0].Text);
        Assert.Equal(("System.IO.IOException", "disk"), (outputs[1].ErrorName, outputs[1].ErrorValue));
        Assert.Equal(["System.IO.IOException: disk", "   at Foo()"], outputs[1].Traceback);
        Assert.StartsWith("System.IO.IOException: disk", c.CurrentError);
    }

    [Fact]
    public void Notebook_json_round_trips_unknown_metadata_and_writes_outputs()
    {
        const string json = """
            {"cells":[{"cell_type":"markdown","metadata":{"tags":["t"]},"source":["a\n","b"]},
                      {"cell_type":"code","execution_count":9,"metadata":{"dotnet_interactive":{"language":"fsharp"}},"outputs":[],"source":"1"}],
             "metadata":{"custom":{"k":1},"kernelspec":{"display_name":".NET (C#)","language":"C#","name":".net-csharp"}},
             "nbformat":4,"nbformat_minor":4}
            """;
        var doc = NotebookDocument.Parse(json);
        Assert.Equal("a\nb", doc.Cells[0].Source);
        Assert.Equal("fsharp", doc.Cells[1].KernelName);
        doc.Cells[1].SetOutputs(1, [new CellOutput { Kind = OutputKind.DisplayData, Data = new Dictionary<string, string>
        {
            ["text/html"] = "<b>x</b>\n<i>y</i>", ["application/json"] = "{\"v\":2}",
        } }]);

        var root = Nbformat.AssertValid(doc.ToJson());
        Assert.Equal(1, root["metadata"]!["custom"]!["k"]!.GetValue<int>());
        Assert.Equal("t", root["cells"]![0]!["metadata"]!["tags"]![0]!.GetValue<string>());
        var data = root["cells"]![1]!["outputs"]![0]!["data"]!;
        Assert.Equal(["<b>x</b>\n", "<i>y</i>"], data["text/html"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal(2, data["application/json"]!["v"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("{\"nbformat\":3,\"cells\":[]}")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    public void Not_a_notebook_is_rejected(string json) =>
        Assert.Throws<FormatException>(() => NotebookDocument.Parse(json));

    [Theory]
    [InlineData("05-first-model.ipynb", "first", true)]
    [InlineData("05-first-model.ipynb", "FIRST-MODEL", true)]
    [InlineData("05-first-model.ipynb", "0[4-6]-*", true)]
    [InlineData("05-first-model.ipynb", "0[1-3]-*", false)]
    [InlineData("05-first-model.ipynb", "*.dib", false)]
    [InlineData("05-first-model.ipynb", "second", false)]
    public void Filters_are_substrings_or_globs(string file, string filter, bool expected) =>
        Assert.Equal(expected, Runner.Matches(file, [filter]));
}
