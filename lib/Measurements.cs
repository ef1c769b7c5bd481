using System.Net;
using System.Text;

namespace VaeCourse;

/// <summary>
/// The closing table of a notebook: what it measured, one row per value. Values are formatted by the
/// caller; <see cref="ToHtml"/> gives a table the kernel renders with <c>HTML(...)</c>.
/// </summary>
public sealed class Measurements
{
    private readonly List<(string Measure, string Value)> rows = new();

    /// <summary>Adds a row and returns this table, so rows can be chained.</summary>
    public Measurements Add(string measure, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(measure);
        rows.Add((measure, value ?? ""));
        return this;
    }

    /// <summary>The rows in the order they were added.</summary>
    public IReadOnlyList<(string Measure, string Value)> Rows => rows;

    /// <summary>An HTML table with a "Measure" and a "Value" column, every cell HTML-encoded.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder("<table><thead><tr><th style=\"text-align:left\">Measure</th><th style=\"text-align:right\">Value</th></tr></thead><tbody>");
        foreach (var (measure, value) in rows)
            html.Append("<tr><td style=\"text-align:left\">").Append(WebUtility.HtmlEncode(measure))
                .Append("</td><td style=\"text-align:right\">").Append(WebUtility.HtmlEncode(value)).Append("</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>The rows as aligned plain text.</summary>
    public override string ToString()
    {
        int width = rows.Count == 0 ? 7 : Math.Max(7, rows.Max(r => r.Measure.Length));
        var text = new StringBuilder().Append("Measure".PadRight(width)).AppendLine("  Value");
        foreach (var (measure, value) in rows) text.Append(measure.PadRight(width)).Append("  ").AppendLine(value);
        return text.ToString();
    }
}
