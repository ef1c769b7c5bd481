using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Markdig;

namespace NotebookRunner.Book;

/// <summary>What a written book holds: its folder, its pages and their size.</summary>
public sealed record BookResult(string Directory, string IndexPath, IReadOnlyList<BookPage> Pages, long Bytes);

/// <summary>One notebook's page: file, title, and how many charts and maths expressions it should show.</summary>
public sealed record BookPage(string NotebookPath, string FileName, string Title, int Charts, int MathExpressions);

/// <summary>
/// Writes a static HTML site from executed notebooks: an index in the notebooks' order (their numbered file names
/// follow the article's sections), then a page per notebook with its markdown rendered by Markdig, its maths
/// typeset by KaTeX, its code highlighted by highlight.js, and every output (text, tables, images, interactive
/// Plotly charts). Every script and style is in the site's assets folder, so it works opened from disk offline.
/// </summary>
public static class BookBuilder
{
    private static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    /// <summary>
    /// Writes the book for <paramref name="executedNotebooks"/> into <paramref name="siteDirectory"/> (emptied
    /// first), taking plotly.js, KaTeX and highlight.js from <paramref name="cacheDirectory"/> or the npm registry.
    /// </summary>
    /// <remarks>
    /// <paramref name="claimMap"/>, when given, is markdown shown on the index under "The article, claim by claim" (the
    /// main command passes the README's section of that name: <see cref="ClaimMapFrom"/>).
    /// </remarks>
    public static async Task<BookResult> BuildAsync(IReadOnlyList<string> executedNotebooks, string siteDirectory, string cacheDirectory,
        HttpClient? http = null, CancellationToken cancellationToken = default, string? claimMap = null)
    {
        ArgumentNullException.ThrowIfNull(executedNotebooks);
        if (executedNotebooks.Count == 0) throw new BookException("There are no executed notebooks to make a book of; run the notebooks first.");
        foreach (var path in executedNotebooks)
            if (!File.Exists(path)) throw new BookException($"The executed notebook {path} does not exist; run the notebooks first.");

        // Write into a fresh folder beside the target, then swap, so a failure leaves the previous book whole.
        var site = Path.GetFullPath(siteDirectory);
        var staging = $"{site}.{Environment.ProcessId}.new"; // per process: two runs writing one book do not share it
        if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
        System.IO.Directory.CreateDirectory(staging);
        var written = new List<BookPage>();
        try
        {
            var assets = Path.Combine(staging, "assets");
            await BookAssets.CopyAsync(assets, cacheDirectory, http, cancellationToken);
            foreach (var name in new[] { "book.css", "book.js", "requirejs-shim.js" })
                await File.WriteAllTextAsync(Path.Combine(assets, name), Resource(name), cancellationToken);

            var ordered = executedNotebooks.OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal).ToList();
            var pages = ordered.Select(p => new { Path = p, Json = Load(p) }).ToList();
            var infos = pages.Select(p => new BookPage(p.Path, Path.GetFileNameWithoutExtension(p.Path) + ".html", Title(p.Json, p.Path), 0, 0)).ToList();
            for (int i = 0; i < pages.Count; i++)
            {
                var (html, charts, maths) = Page(pages[i].Json, infos[i], i > 0 ? infos[i - 1] : null, i + 1 < infos.Count ? infos[i + 1] : null);
                await File.WriteAllTextAsync(Path.Combine(staging, infos[i].FileName), html, cancellationToken);
                written.Add(infos[i] with { Charts = charts, MathExpressions = maths });
            }
            await File.WriteAllTextAsync(Path.Combine(staging, "index.html"), Index(pages.Select(p => p.Json).ToList(), written, claimMap), cancellationToken);

            if (System.IO.Directory.Exists(site)) System.IO.Directory.Delete(site, recursive: true);
            System.IO.Directory.Move(staging, site);
        }
        catch (Exception e)
        {
            if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
            if (e is IOException or UnauthorizedAccessException)
                throw new BookException($"Could not write the book to {site}: {e.Message} (is another run writing it at the same time?)", e);
            throw;
        }
        long bytes = new DirectoryInfo(site).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return new BookResult(site, Path.Combine(site, "index.html"), written, bytes);
    }

    private static JsonObject Load(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                   ?? throw new BookException($"{path} is not a notebook (its JSON is not an object).");
        }
        catch (JsonException e)
        {
            throw new BookException($"{path} is not valid notebook JSON: {e.Message}", e);
        }
    }

    private static IEnumerable<JsonObject> Cells(JsonObject notebook) =>
        (notebook["cells"] as JsonArray ?? []).OfType<JsonObject>();

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    /// <summary>The first level-1 heading of the notebook's first markdown cell, else the file name.</summary>
    internal static string Title(JsonObject notebook, string path)
    {
        foreach (var cell in Cells(notebook).Where(c => Text(c["cell_type"]) == "markdown"))
            foreach (var line in Text(cell["source"]).Split('\n'))
                if (line.StartsWith("# ", StringComparison.Ordinal)) return line[2..].Trim();
        return Path.GetFileNameWithoutExtension(path);
    }

    /// <summary>
    /// Markdown to HTML with Markdig; maths becomes elements of class "math" that book.js typesets. A line holding only
    /// $$...$$ is display maths in Jupyter and VS Code; Markdig wants the delimiters on lines of their own for that.
    /// </summary>
    internal static string RenderMarkdown(string markdown) =>
        Markdig.Markdown.ToHtml(DisplayMathLine.Replace(markdown, "$1$$$$\n$2\n$1$$$$"), Markdown);

    private static readonly System.Text.RegularExpressions.Regex DisplayMathLine =
        new(@"^([ \t]*)\$\$(.+?)\$\$[ \t]*$", System.Text.RegularExpressions.RegexOptions.Multiline);

    private static (string Html, int Charts, int Maths) Page(JsonObject notebook, BookPage page, BookPage? previous, BookPage? next)
    {
        var body = new StringBuilder();
        int charts = 0, maths = 0;
        foreach (var cell in Cells(notebook))
        {
            var type = Text(cell["cell_type"]);
            var source = Text(cell["source"]);
            if (type == "markdown")
            {
                var html = RenderMarkdown(source);
                maths += CountMath(html);
                body.Append("<section class=\"cell markdown\">").Append(html).Append("</section>\n");
            }
            else if (type == "code")
            {
                body.Append("<section class=\"cell code\"><pre class=\"source\"><code class=\"language-csharp\">")
                    .Append(WebUtility.HtmlEncode(source)).Append("</code></pre>");
                var outputs = (cell["outputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
                if (outputs.Count > 0)
                {
                    body.Append("<div class=\"outputs\">");
                    foreach (var output in outputs)
                    {
                        var (html, isChart) = Output(output);
                        if (isChart) charts++;
                        body.Append(html);
                    }
                    body.Append("</div>");
                }
                body.Append("</section>\n");
            }
        }
        var nav = Navigation(previous, next);
        var head = Head(page.Title);
        var html2 = $"{head}<body>\n<header>{nav}</header>\n<main>\n{body}</main>\n<footer>{nav}</footer>\n{Scripts}</body>\n</html>\n";
        return (html2, charts, maths);
    }

    private static int CountMath(string html)
    {
        int count = 0;
        foreach (var marker in new[] { "<span class=\"math\">", "<div class=\"math\">" })
            for (int i = html.IndexOf(marker, StringComparison.Ordinal); i >= 0; i = html.IndexOf(marker, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>One output as HTML, and whether it is a Plotly chart. Rich types win over plain text, as in Jupyter.</summary>
    internal static (string Html, bool IsChart) Output(JsonObject output)
    {
        switch (Text(output["output_type"]))
        {
            case "stream":
                var stream = Text(output["name"]) == "stderr" ? "stderr" : "stdout";
                return ($"<pre class=\"output {stream}\">{WebUtility.HtmlEncode(Text(output["text"]))}</pre>", false);
            case "error":
                var trace = string.Join("\n", (output["traceback"] as JsonArray ?? []).Select(Text));
                var message = $"{Text(output["ename"])}: {Text(output["evalue"])}" + (trace.Length > 0 ? "\n" + trace : "");
                var claim = ClaimsRecord.IsFailedClaim(trace) ? " claim" : ""; // a claim that failed under strict mode
                return ($"<pre class=\"output error{claim}\">{WebUtility.HtmlEncode(message)}</pre>", false);
        }
        if (output["data"] is not JsonObject data) return ("", false);
        if (data["text/html"] is { } htmlNode)
        {
            var html = Text(htmlNode);
            // The notebooks' setup output carrying plotly.js for hosts without it: the book loads its own copy.
            if (html.Contains(VaeCourse.Charts.OfflinePlotlyMarker + "=", StringComparison.Ordinal)) return ("", false);
            bool chart = html.Contains("Plotly.newPlot(", StringComparison.Ordinal);
            return ($"<div class=\"output html{(chart ? " chart" : "")}\">{html}</div>", chart);
        }
        if (data["image/svg+xml"] is { } svg) return ($"<div class=\"output image\">{Text(svg)}</div>", false);
        if (data["image/png"] is { } png)
            return ($"<div class=\"output image\"><img alt=\"image output\" src=\"data:image/png;base64,{Text(png).Replace("\n", "")}\"></div>", false);
        if (data["image/jpeg"] is { } jpeg)
            return ($"<div class=\"output image\"><img alt=\"image output\" src=\"data:image/jpeg;base64,{Text(jpeg).Replace("\n", "")}\"></div>", false);
        if (data["text/markdown"] is { } md) return ($"<div class=\"output markdown\">{RenderMarkdown(Text(md))}</div>", false);
        if (data["text/plain"] is { } plain) return ($"<pre class=\"output\">{WebUtility.HtmlEncode(Text(plain))}</pre>", false);
        return ("", false);
    }

    private static string Navigation(BookPage? previous, BookPage? next)
    {
        var nav = new StringBuilder("<nav><a href=\"index.html\">Contents</a>");
        if (previous is not null) nav.Append($" · <a href=\"{previous.FileName}\">← {WebUtility.HtmlEncode(previous.Title)}</a>");
        if (next is not null) nav.Append($" · <a href=\"{next.FileName}\">{WebUtility.HtmlEncode(next.Title)} →</a>");
        return nav.Append("</nav>").ToString();
    }

    /// <summary>Heading of the README section that maps the article's claims to the notebooks.</summary>
    public const string ClaimMapHeading = "## The article, claim by claim";

    /// <summary>
    /// The body of the README section <see cref="ClaimMapHeading"/> (up to the next "## " heading), with links to the
    /// README's own anchors turned into plain text, since the book has no such anchors; null when the file or the section
    /// is missing.
    /// </summary>
    public static string? ClaimMapFrom(string readmePath)
    {
        if (!File.Exists(readmePath)) return null;
        var text = File.ReadAllText(readmePath).Replace("\r\n", "\n");
        int start = text.IndexOf(ClaimMapHeading + "\n", StringComparison.Ordinal);
        if (start < 0) return null;
        start += ClaimMapHeading.Length + 1;
        int end = text.IndexOf("\n## ", start, StringComparison.Ordinal);
        var body = end < 0 ? text[start..] : text[start..end];
        return System.Text.RegularExpressions.Regex.Replace(body, @"\[([^\]]+)\]\(#[^)]*\)", "$1").Trim();
    }

    private static string Index(IReadOnlyList<JsonObject> notebooks, IReadOnlyList<BookPage> pages, string? claimMap)
    {
        var list = new StringBuilder("<ol class=\"contents\">\n");
        for (int i = 0; i < pages.Count; i++)
        {
            list.Append($"<li><a href=\"{pages[i].FileName}\">{WebUtility.HtmlEncode(pages[i].Title)}</a>");
            var summary = Summary(notebooks[i]);
            if (summary.Length > 0) list.Append("<p>").Append(WebUtility.HtmlEncode(summary)).Append("</p>");
            list.Append("</li>\n");
        }
        list.Append("</ol>\n");
        const string title = "Variational autoencoders in C#: the executed notebooks";
        return $"{Head(title)}<body>\n<main>\n<h1>{title}</h1>\n" +
               "<p>Every notebook of the course with the outputs of its last run: text, tables, images and interactive charts. " +
               "The pages work offline; open any of them from disk.</p>\n" +
               $"{list}" +
               (claimMap is null ? "" : $"<h2 id=\"claims\">The article, claim by claim</h2>\n{Markdig.Markdown.ToHtml(claimMap, Markdown)}") +
               $"</main>\n{Scripts}</body>\n</html>\n";
    }

    /// <summary>The first paragraph of the first markdown cell that is not the title, as plain text.</summary>
    private static string Summary(JsonObject notebook)
    {
        var first = Cells(notebook).FirstOrDefault(c => Text(c["cell_type"]) == "markdown");
        if (first is null) return "";
        var paragraph = Text(first["source"]).Split("\n\n").Select(p => p.Trim()).FirstOrDefault(p => p.Length > 0 && !p.StartsWith('#')) ?? "";
        var plain = Markdig.Markdown.ToPlainText(paragraph, Markdown).Replace('\n', ' ').Trim();
        return plain.Length > 320 ? plain[..317] + "..." : plain;
    }

    private static string Head(string title) =>
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
        $"<title>{WebUtility.HtmlEncode(title)}</title>\n" +
        "<link rel=\"stylesheet\" href=\"assets/katex/katex.min.css\">\n<link rel=\"stylesheet\" href=\"assets/highlight/github.min.css\">\n" +
        "<link rel=\"stylesheet\" href=\"assets/book.css\">\n" +
        // Charts from Plotly.NET load plotly.js through require.js from a CDN; the shim hands them the local copy instead.
        "<script src=\"assets/plotly.min.js\"></script>\n<script src=\"assets/requirejs-shim.js\"></script>\n</head>\n";

    private const string Scripts =
        "<script src=\"assets/katex/katex.min.js\"></script>\n<script src=\"assets/highlight/highlight.min.js\"></script>\n" +
        "<script src=\"assets/highlight/csharp.min.js\"></script>\n<script src=\"assets/book.js\"></script>\n";

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"NotebookRunner.Book.{name}")
                           ?? throw new InvalidOperationException($"The runner lacks its embedded resource {name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
