using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NotebookRunner.Tests;

/// <summary>Writes small C# notebooks the way VS Code Polyglot Notebooks saves them.</summary>
public static class Notebooks
{
    /// <summary>A code cell (C#).</summary>
    public static (string Type, string Source) Code(string source) => ("code", source);

    /// <summary>A markdown cell.</summary>
    public static (string Type, string Source) Markdown(string source) => ("markdown", source);

    public static string Write(string folder, string fileName, params (string Type, string Source)[] cells)
    {
        var cellArray = new JsonArray();
        var n = 0;
        foreach (var (type, source) in cells)
        {
            var cell = new JsonObject
            {
                ["cell_type"] = type,
                ["id"] = $"cell{++n}",
                ["metadata"] = type == "code"
                    ? new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } }
                    : new JsonObject(),
                ["source"] = source,
            };
            if (type == "code")
            {
                cell["execution_count"] = null;
                // A stale output from an "earlier run" that the runner must replace or clear.
                cell["outputs"] = new JsonArray(new JsonObject { ["name"] = "stdout", ["output_type"] = "stream", ["text"] = "stale\n" });
            }
            cellArray.Add(cell);
        }
        var root = new JsonObject
        {
            ["cells"] = cellArray,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
                ["polyglot_notebook"] = new JsonObject { ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp" } },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        var path = System.IO.Path.Combine(folder, fileName);
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>Whether process <paramref name="pid"/> still runs after waiting up to <paramref name="limit"/> for it to end
    /// (a killed kernel takes a moment to go).</summary>
    public static async Task<bool> StillRunningAfter(int pid, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (IsRunning(pid) && clock.Elapsed < limit) await Task.Delay(100);
        return IsRunning(pid);
    }

    /// <summary>The id of a live process whose id a cell printed (the kernel's), and whether it is still running.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
    }
}

/// <summary>
/// Structural nbformat 4 check written from the nbformat 4.5 schema's rules: required keys and their types for
/// the notebook, every cell and every output kind, and no unknown output keys. Throws with a precise message.
/// </summary>
public static class Nbformat
{
    private static readonly Regex CellId = new("^[a-zA-Z0-9-_]{1,64}$");

    public static JsonObject AssertValid(string json)
    {
        var root = JsonNode.Parse(json) as JsonObject ?? throw new Xunit.Sdk.XunitException("notebook is not a JSON object");
        Require(root["nbformat"]?.GetValue<int>() == 4, "nbformat must be 4");
        var minor = root["nbformat_minor"]?.GetValue<int>() ?? throw Fail("nbformat_minor missing");
        Require(root["metadata"] is JsonObject, "metadata must be an object");
        var cells = root["cells"] as JsonArray ?? throw Fail("cells must be an array");
        var i = 0;
        foreach (var node in cells)
        {
            i++;
            var cell = node as JsonObject ?? throw Fail($"cell {i} is not an object");
            var type = cell["cell_type"]?.GetValue<string>();
            Require(type is "code" or "markdown" or "raw", $"cell {i}: bad cell_type {type}");
            Require(cell["metadata"] is JsonObject, $"cell {i}: metadata must be an object");
            RequireMultiline(cell["source"], $"cell {i}: source");
            if (minor >= 5) Require(cell["id"] is JsonValue v && CellId.IsMatch(v.GetValue<string>()), $"cell {i}: id missing or invalid");
            if (type != "code")
            {
                Require(cell["outputs"] is null && cell["execution_count"] is null, $"cell {i}: non-code cell with outputs");
                continue;
            }
            Require(cell.ContainsKey("execution_count"), $"cell {i}: execution_count missing");
            Require(cell["execution_count"] is null || cell["execution_count"]!.GetValueKind() == JsonValueKind.Number, $"cell {i}: execution_count must be int or null");
            var outputs = cell["outputs"] as JsonArray ?? throw Fail($"cell {i}: outputs must be an array");
            foreach (var o in outputs) CheckOutput(o as JsonObject ?? throw Fail($"cell {i}: output not an object"), i);
        }
        return root;
    }

    private static void CheckOutput(JsonObject o, int cell)
    {
        var type = o["output_type"]?.GetValue<string>();
        string[] allowed = type switch
        {
            "stream" => ["output_type", "name", "text"],
            "display_data" => ["output_type", "data", "metadata", "transient"],
            "execute_result" => ["output_type", "data", "metadata", "execution_count"],
            "error" => ["output_type", "ename", "evalue", "traceback"],
            _ => throw Fail($"cell {cell}: bad output_type {type}"),
        };
        foreach (var key in o.Select(p => p.Key)) Require(allowed.Contains(key), $"cell {cell}: {type} output has unknown key {key}");
        switch (type)
        {
            case "stream":
                Require(o["name"]?.GetValue<string>() is "stdout" or "stderr", $"cell {cell}: stream name");
                RequireMultiline(o["text"], $"cell {cell}: stream text");
                break;
            case "error":
                Require(o["ename"] is JsonValue && o["evalue"] is JsonValue, $"cell {cell}: ename/evalue");
                Require(o["traceback"] is JsonArray t && t.All(x => x is JsonValue), $"cell {cell}: traceback");
                break;
            default:
                Require(o["metadata"] is JsonObject, $"cell {cell}: output metadata");
                var data = o["data"] as JsonObject ?? throw Fail($"cell {cell}: output data");
                foreach (var (mime, value) in data)
                    if (!Regex.IsMatch(mime, "^application/(.*\\+)?json$")) RequireMultiline(value, $"cell {cell}: data {mime}");
                if (type == "execute_result")
                    Require(o.ContainsKey("execution_count") && (o["execution_count"] is null || o["execution_count"]!.GetValueKind() == JsonValueKind.Number), $"cell {cell}: execute_result execution_count");
                break;
        }
    }

    private static void RequireMultiline(JsonNode? node, string what) =>
        Require(node is JsonValue s && s.GetValueKind() == JsonValueKind.String
                || node is JsonArray a && a.All(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String),
            $"{what} must be a string or a list of strings");

    private static void Require(bool condition, string message)
    {
        if (!condition) throw Fail(message);
    }

    private static Xunit.Sdk.XunitException Fail(string message) => new("invalid nbformat 4: " + message);
}
