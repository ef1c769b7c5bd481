using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NotebookRunner;

/// <summary>
/// An nbformat 4 notebook held as its JSON tree. Only code cells' <c>outputs</c> and <c>execution_count</c> are
/// changed; everything else (metadata, kernelspec, cell ids, attachments) is written back as it was read.
/// </summary>
public sealed class NotebookDocument
{
    private readonly JsonObject _root;

    private NotebookDocument(JsonObject root, List<NotebookCell> cells)
    {
        _root = root;
        Cells = cells;
    }

    /// <summary>All cells in order (markdown and raw cells included).</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }

    /// <summary>Reads a notebook file. Throws <see cref="FormatException"/> when it is not an nbformat 4 notebook.</summary>
    public static NotebookDocument Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Parses notebook JSON. Throws <see cref="FormatException"/> when it is not an nbformat 4 notebook.</summary>
    public static NotebookDocument Parse(string json)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json); }
        catch (JsonException e) { throw new FormatException($"not valid JSON: {e.Message}", e); }

        if (node is not JsonObject root) throw new FormatException("not a notebook: the JSON is not an object");
        if (root["nbformat"]?.GetValueKind() != JsonValueKind.Number || root["nbformat"]!.GetValue<int>() != 4)
            throw new FormatException("not an nbformat 4 notebook");
        if (root["cells"] is not JsonArray cellArray) throw new FormatException("not a notebook: no 'cells' array");

        var metadata = root["metadata"] as JsonObject ?? new JsonObject();
        root["metadata"] = metadata;
        if (metadata["kernelspec"] is null)
        {
            metadata["kernelspec"] = new JsonObject
            {
                ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp",
            };
        }
        var defaultKernel = DefaultKernelName(metadata);
        var needsIds = (root["nbformat_minor"]?.GetValueKind() == JsonValueKind.Number ? root["nbformat_minor"]!.GetValue<int>() : 0) >= 5;

        var cells = new List<NotebookCell>();
        foreach (var item in cellArray)
        {
            if (item is not JsonObject cell) throw new FormatException($"cell {cells.Count + 1} is not an object");
            if (needsIds && cell["id"] is null) cell["id"] = Guid.NewGuid().ToString("N")[..8];
            var type = cell["cell_type"]?.GetValue<string>() ?? "";
            var source = JoinText(cell["source"]);
            var cellMeta = cell["metadata"] as JsonObject;
            var kernel = cellMeta?["polyglot_notebook"]?["kernelName"]?.GetValue<string>()
                         ?? cellMeta?["dotnet_interactive"]?["language"]?.GetValue<string>()
                         ?? defaultKernel;
            cells.Add(new NotebookCell(cells.Count + 1, type, source, kernel, cell));
        }
        return new NotebookDocument(root, cells);
    }

    /// <summary>The notebook as nbformat 4 JSON (one-space indent, like Jupyter).</summary>
    public string ToJson()
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            IndentSize = 1,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        return _root.ToJsonString(options) + "\n";
    }

    /// <summary>Writes the notebook, creating the folder if needed.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, ToJson());
    }

    private static string DefaultKernelName(JsonObject metadata)
    {
        if (metadata["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]?.GetValue<string>() is { Length: > 0 } name)
            return name;
        return (metadata["kernelspec"]?["name"]?.GetValue<string>() ?? "") switch
        {
            ".net-fsharp" => "fsharp",
            ".net-pwsh" or ".net-powershell" => "pwsh",
            _ => "csharp",
        };
    }

    /// <summary>nbformat multiline strings are a string or a list of strings.</summary>
    internal static string JoinText(JsonNode? node) => node switch
    {
        null => "",
        JsonArray a => string.Concat(a.Select(x => x?.GetValue<string>() ?? "")),
        _ => node.GetValue<string>(),
    };

    /// <summary>Splits text into nbformat's list of lines, each keeping its newline.</summary>
    internal static JsonArray SplitLines(string text)
    {
        var array = new JsonArray();
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0) end = text.Length - 1;
            array.Add(text[start..(end + 1)]);
            start = end + 1;
        }
        return array;
    }
}

/// <summary>One cell of a <see cref="NotebookDocument"/>.</summary>
public sealed class NotebookCell
{
    private readonly JsonObject _json;

    internal NotebookCell(int number, string cellType, string source, string kernelName, JsonObject json)
    {
        Number = number;
        CellType = cellType;
        Source = source;
        KernelName = kernelName;
        _json = json;
    }

    /// <summary>Position counting every cell from 1, as VS Code shows it.</summary>
    public int Number { get; }

    /// <summary><c>code</c>, <c>markdown</c> or <c>raw</c>.</summary>
    public string CellType { get; }

    /// <summary>The cell's source text.</summary>
    public string Source { get; }

    /// <summary>Kernel the cell runs in (from Polyglot cell metadata, else the notebook's default, else csharp).</summary>
    public string KernelName { get; }

    /// <summary>True for a code cell with some non-blank source.</summary>
    public bool IsRunnableCode => CellType == "code" && !string.IsNullOrWhiteSpace(Source);

    /// <summary>Replaces the cell's outputs and execution count (code cells only).</summary>
    public void SetOutputs(int? executionCount, IEnumerable<CellOutput> outputs)
    {
        if (CellType != "code") return;
        _json["execution_count"] = executionCount;
        var array = new JsonArray();
        foreach (var output in outputs) array.Add(ToJson(output, executionCount));
        _json["outputs"] = array;
    }

    /// <summary>
    /// Records when the cell ran in its metadata as Jupyter's own clients do (<c>execution</c>: <c>iopub.execute_input</c>
    /// and <c>shell.execute_reply</c>, ISO 8601 UTC), so an executed notebook shows where its time went; null removes a
    /// timing left by an earlier run (a cell that did not run this time).
    /// </summary>
    public void SetExecutionTiming(DateTimeOffset? started, double seconds)
    {
        if (CellType != "code") return;
        var metadata = _json["metadata"] as JsonObject ?? new JsonObject();
        _json["metadata"] = metadata;
        if (started is not { } start)
        {
            metadata.Remove("execution");
            return;
        }
        static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        metadata["execution"] = new JsonObject
        {
            ["iopub.execute_input"] = Iso(start),
            ["shell.execute_reply"] = Iso(start + TimeSpan.FromSeconds(seconds)),
        };
    }

    private static JsonObject ToJson(CellOutput output, int? executionCount)
    {
        switch (output.Kind)
        {
            case OutputKind.Stream:
                return new JsonObject
                {
                    ["name"] = output.StreamName ?? "stdout",
                    ["output_type"] = "stream",
                    ["text"] = NotebookDocument.SplitLines(output.Text ?? ""),
                };
            case OutputKind.Error:
                return new JsonObject
                {
                    ["ename"] = output.ErrorName ?? "Error",
                    ["evalue"] = output.ErrorValue ?? "",
                    ["output_type"] = "error",
                    ["traceback"] = new JsonArray(output.Traceback.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
                };
            default:
                var data = new JsonObject();
                foreach (var (mime, value) in output.Data) data[mime] = MimeValue(mime, value);
                var result = new JsonObject { ["data"] = data };
                if (output.Kind == OutputKind.ExecuteResult) result["execution_count"] = executionCount;
                result["metadata"] = new JsonObject();
                result["output_type"] = output.Kind == OutputKind.ExecuteResult ? "execute_result" : "display_data";
                return result;
        }
    }

    /// <summary>JSON MIME types are stored as JSON (nbformat requires it); all others as lists of lines.</summary>
    private static JsonNode? MimeValue(string mime, string value)
    {
        if (mime == "application/json" || (mime.StartsWith("application/", StringComparison.Ordinal) && mime.EndsWith("+json", StringComparison.Ordinal)))
        {
            try { return JsonNode.Parse(value); }
            catch (JsonException) { return value; }
        }
        return NotebookDocument.SplitLines(value);
    }
}
