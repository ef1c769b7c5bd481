using Microsoft.DotNet.Interactive.Events;

namespace NotebookRunner;

/// <summary>
/// Turns kernel events into nbformat outputs for the cells of one notebook, applying display updates in place.
/// Events arrive on the connection's threads, so every member locks.
/// </summary>
internal sealed class OutputCollector
{
    private readonly object _gate = new();
    private readonly Dictionary<int, List<CellOutput>> _outputs = new();
    private readonly Dictionary<string, (int Cell, CellOutput Output)> _byDisplayId = new();
    // Displays never yet targeted by an update, oldest first (see ApplyUpdate).
    private readonly List<(int Cell, CellOutput Output)> _unpaired = new();
    private int _currentCell;
    private string? _error;

    /// <summary>Starts collecting for a cell (number counting all cells from 1).</summary>
    public void BeginCell(int cellNumber)
    {
        lock (_gate)
        {
            _currentCell = cellNumber;
            _outputs[cellNumber] = new List<CellOutput>();
            _error = null;
        }
    }

    /// <summary>First error seen in the current cell (CommandFailed or an error output), or null.</summary>
    public string? CurrentError { get { lock (_gate) return _error; } }

    /// <summary>Outputs of a cell in their current state.</summary>
    public IReadOnlyList<CellOutput> OutputsOf(int cellNumber)
    {
        lock (_gate) return _outputs.TryGetValue(cellNumber, out var list) ? list.ToArray() : [];
    }

    /// <summary>Records an error that did not come from the kernel (timeout, dead kernel) as an error output.</summary>
    public void AddRunnerError(string name, string message)
    {
        lock (_gate)
        {
            Add(ErrorOutput(name, message));
            _error ??= message;
        }
    }

    /// <summary>Applies one kernel event to the current cell. <paramref name="isCellCommand"/> tells whether the
    /// event's command is the cell's own submission (CommandFailed of child commands is ignored).</summary>
    public void Apply(KernelEvent e, bool isCellCommand)
    {
        lock (_gate)
        {
            if (_currentCell == 0) return;
            switch (e)
            {
                case StandardOutputValueProduced so:
                    AddStream("stdout", TextOf(so));
                    break;
                case StandardErrorValueProduced se:
                    AddStream("stderr", TextOf(se));
                    break;
                case ReturnValueProduced rv:
                    Add(new CellOutput { Kind = OutputKind.ExecuteResult, Data = DataOf(rv), DisplayId = rv.ValueId });
                    break;
                case DisplayedValueUpdated du:
                    ApplyUpdate(du);
                    break;
                case DisplayedValueProduced dp:
                    var output = new CellOutput { Kind = OutputKind.DisplayData, Data = DataOf(dp), DisplayId = dp.ValueId };
                    Add(output);
                    if (dp.ValueId is { } id) _byDisplayId[id] = (_currentCell, output);
                    _unpaired.Add((_currentCell, output));
                    break;
                case ErrorProduced ep:
                    Add(ErrorOutput("Error", ep.Message));
                    _error ??= ep.Message;
                    break;
                case CommandFailed cf when isCellCommand:
                    Add(ErrorOutput(null, cf.Message));
                    _error ??= cf.Message;
                    break;
            }
        }
    }

    private void ApplyUpdate(DisplayedValueUpdated du)
    {
        var data = DataOf(du);
        if (du.ValueId is not { } id) { Add(new CellOutput { Kind = OutputKind.DisplayData, Data = data }); return; }

        if (!_byDisplayId.TryGetValue(id, out var target))
        {
            // Kernel 1.0.712001 (and dotnet/interactive main) publish display(x) under one id and every later
            // .Update(y) under another: DisplayExtensions.Display raises a DisplayedValue and returns a *new* one.
            // So pair an unknown update id with a display that has not been updated yet and has the same MIME types
            // (Update keeps the original's MIME types): the oldest such in the current cell, else the oldest such in
            // the latest earlier cell that has one.
            var mimes = data.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
            bool Same((int Cell, CellOutput Output) c) =>
                c.Output.Data.Keys.OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(mimes);
            var last = _unpaired.FindLastIndex(Same); // cells run in order, so this is in the latest cell with one
            var index = last < 0 ? -1 : _unpaired.FindIndex(c => c.Cell == _unpaired[last].Cell && Same(c));
            if (index < 0)
            {
                var fresh = new CellOutput { Kind = OutputKind.DisplayData, Data = data, DisplayId = id };
                Add(fresh);
                _byDisplayId[id] = (_currentCell, fresh);
                return;
            }
            target = _unpaired[index];
            _unpaired.RemoveAt(index);
        }
        else
        {
            _unpaired.RemoveAll(c => ReferenceEquals(c.Output, target.Output));
        }

        var list = _outputs[target.Cell];
        var at = list.FindIndex(o => ReferenceEquals(o, target.Output));
        var replacement = target.Output with { Data = data };
        if (at >= 0) list[at] = replacement;
        _byDisplayId[id] = (target.Cell, replacement);
        if (target.Output.DisplayId is { } originalId) _byDisplayId[originalId] = (target.Cell, replacement);
    }

    private void Add(CellOutput output) => _outputs[_currentCell].Add(output);

    private void AddStream(string name, string text)
    {
        // Consecutive writes to the same stream become one output, as Jupyter and VS Code show them.
        var list = _outputs[_currentCell];
        if (list.Count > 0 && list[^1] is { Kind: OutputKind.Stream } last && last.StreamName == name)
            list[^1] = last with { Text = last.Text + text };
        else
            list.Add(new CellOutput { Kind = OutputKind.Stream, StreamName = name, Text = text });
    }

    private static string TextOf(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(f => f.MimeType == "text/plain")?.Value
        ?? e.FormattedValues.FirstOrDefault()?.Value ?? "";

    private static Dictionary<string, string> DataOf(DisplayEvent e)
    {
        var data = new Dictionary<string, string>();
        foreach (var f in e.FormattedValues)
            if (!f.SuppressDisplay) data[f.MimeType] = f.Value ?? "";
        return data;
    }

    /// <summary>Builds an error output; the name is the exception type when the message starts with one.</summary>
    internal static CellOutput ErrorOutput(string? name, string message)
    {
        var lines = message.Replace("\r\n", "\n").Split('\n');
        var first = lines[0];
        var value = first;
        if (name is null)
        {
            var colon = first.IndexOf(": ", StringComparison.Ordinal);
            var candidate = colon > 0 ? first[..colon] : "";
            if (candidate.Length > 0 && candidate.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '`' or '+')
                && (candidate.EndsWith("Exception", StringComparison.Ordinal) || candidate.EndsWith("Error", StringComparison.Ordinal)))
            {
                name = candidate;
                value = first[(colon + 2)..];
            }
            else
            {
                name = "Error";
            }
        }
        return new CellOutput { Kind = OutputKind.Error, ErrorName = name, ErrorValue = value, Traceback = lines };
    }
}
