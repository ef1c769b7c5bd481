namespace VaeCourse.Data;

/// <summary>
/// A download failed: HTTP error status, dropped connection, timeout, or wrong SHA-256. The message names
/// the URL and the reason. When every mirror failed, <see cref="Attempts"/> holds one exception per URL.
/// Nothing is left under the destination name, and no temporary file is left behind.
/// </summary>
public sealed class DownloadException : IOException
{
    /// <summary>Creates the exception for one URL.</summary>
    /// <param name="url">The URL that failed.</param>
    /// <param name="reason">Why, e.g. "HTTP 404 (Not Found)".</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public DownloadException(Uri url, string reason, Exception? innerException = null)
        : base($"Download of {url} failed: {reason}", innerException)
    {
        Url = url;
        Reason = reason;
        Attempts = [];
    }

    /// <summary>Creates the exception for a file that no mirror could deliver.</summary>
    /// <param name="fileName">The file that was wanted.</param>
    /// <param name="attempts">One failure per URL tried, in order.</param>
    public DownloadException(string fileName, IReadOnlyList<DownloadException> attempts)
        : base($"Could not download {fileName} from any of {attempts.Count} URL(s):" +
               string.Concat(attempts.Select(a => $"{Environment.NewLine}  - {a.Url}: {a.Reason}")),
               attempts.Count > 0 ? attempts[^1] : null)
    {
        Reason = attempts.Count == 0 ? "no URL to try" : string.Join("; ", attempts.Select(a => $"{a.Url}: {a.Reason}"));
        Attempts = attempts;
    }

    /// <summary>The URL that failed, or null when this sums up several attempts.</summary>
    public Uri? Url { get; }

    /// <summary>Why it failed, without the URL prefix.</summary>
    public string Reason { get; }

    /// <summary>The failures per URL when several mirrors were tried; empty for a single URL.</summary>
    public IReadOnlyList<DownloadException> Attempts { get; }
}
