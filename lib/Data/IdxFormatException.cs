namespace VaeCourse.Data;

/// <summary>
/// Thrown when a file is not a well-formed IDX file of the kind asked for: wrong magic number,
/// unsupported element type, wrong number of dimensions, truncated header or data, trailing bytes,
/// absurd dimensions, a corrupt gzip stream, or image and label files that do not match.
/// The message names the file, what was expected and what was found.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed), so a
/// <c>catch (IOException)</c> sees it along with missing-file errors.
/// </remarks>
public sealed class IdxFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file (or stream name) that is malformed.</param>
    /// <param name="problem">What is wrong, including what was expected and what was found.</param>
    /// <param name="innerException">The underlying error (e.g. from the gzip decoder), if any.</param>
    public IdxFormatException(string path, string problem, Exception? innerException = null)
        : base($"{path}: {problem}", innerException)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or stream name) that is malformed.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
