namespace VaeCourse.Data;

/// <summary>Progress of one file download, reported by <see cref="FileDownloader"/> after each chunk written.</summary>
/// <param name="Url">The URL being downloaded.</param>
/// <param name="FileName">The destination file name (without folder).</param>
/// <param name="BytesReceived">Bytes received so far.</param>
/// <param name="TotalBytes">The Content-Length, when the server sent one.</param>
public readonly record struct DownloadProgress(Uri Url, string FileName, long BytesReceived, long? TotalBytes)
{
    /// <summary>The fraction done in [0, 1], or null without a Content-Length.</summary>
    public double? Fraction => TotalBytes is > 0 ? (double)BytesReceived / TotalBytes.Value : null;
}
