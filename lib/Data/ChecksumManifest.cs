using System.Globalization;

namespace VaeCourse.Data;

/// <summary>
/// SHA-256 checksums in <c>sha256sum</c> format (<c>&lt;64 hex digits&gt;  &lt;path&gt;</c>, one per line;
/// blank lines and lines starting with <c>#</c> are ignored). The repository's <c>data/checksums.sha256</c>
/// is embedded in the library and available as <see cref="Embedded"/>.
/// </summary>
public sealed class ChecksumManifest
{
    /// <summary>The manifest resource name in this assembly.</summary>
    public const string ResourceName = "VaeCourse.Data.checksums.sha256";

    private static readonly Lazy<ChecksumManifest> EmbeddedManifest = new(LoadEmbedded);

    private readonly Dictionary<string, string> _entries;

    private ChecksumManifest(Dictionary<string, string> entries) => _entries = entries;

    /// <summary>The checksums embedded from <c>data/checksums.sha256</c>.</summary>
    /// <exception cref="InvalidOperationException">The resource is missing or malformed (a build problem).</exception>
    public static ChecksumManifest Embedded => EmbeddedManifest.Value;

    /// <summary>The entries: path (as written, with forward slashes) to lower-case hex SHA-256.</summary>
    public IReadOnlyDictionary<string, string> Entries => _entries;

    /// <summary>Parses <c>sha256sum</c> text.</summary>
    /// <param name="text">The file content.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="FormatException">A line is neither blank, a comment, nor <c>&lt;hex&gt;  &lt;path&gt;</c>, or a path repeats.</exception>
    public static ChecksumManifest Parse(string text, string sourceName = "checksums.sha256")
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r', ' ', '\t');
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            // "<hex> <space or *><path>": text mode has two spaces, binary mode " *".
            bool ok = line.Length > 66 && line[64] == ' ' && (line[65] == ' ' || line[65] == '*')
                      && IsHex(line.AsSpan(0, 64));
            if (!ok)
                throw new FormatException(
                    $"{sourceName}, line {i + 1}: expected '<64 hex digits>  <path>', found '{line}'");
            string path = line[66..].Replace('\\', '/');
            if (!entries.TryAdd(path, line[..64].ToLowerInvariant()))
                throw new FormatException($"{sourceName}, line {i + 1}: '{path}' is listed twice");
        }
        return new ChecksumManifest(entries);
    }

    /// <summary>The SHA-256 (lower-case hex) of <paramref name="path"/>, or null if it is not listed.</summary>
    /// <param name="path">The path as listed, e.g. <c>fashion-mnist/train-images-idx3-ubyte.gz</c>.</param>
    /// <returns>The hash or null.</returns>
    public string? Find(string path) => _entries.GetValueOrDefault(path.Replace('\\', '/'));

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (!char.IsAsciiHexDigit(c))
                return false;
        return true;
    }

    private static ChecksumManifest LoadEmbedded()
    {
        using Stream? stream = typeof(ChecksumManifest).Assembly.GetManifestResourceStream(ResourceName);
        if (stream is null)
            throw new InvalidOperationException(
                $"The embedded resource '{ResourceName}' is missing: the library project must embed data/checksums.sha256 " +
                "with that LogicalName.");
        using var reader = new StreamReader(stream);
        try
        {
            return Parse(reader.ReadToEnd(), "embedded " + ResourceName);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"ChecksumManifest ({_entries.Count} entries)");
}
