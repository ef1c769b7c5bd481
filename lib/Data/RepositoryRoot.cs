namespace VaeCourse.Data;

/// <summary>
/// Finds the course repository's root: the nearest folder, walking up, that holds
/// <c>.config/dotnet-tools.json</c>.
/// </summary>
public static class RepositoryRoot
{
    /// <summary>The marker file, relative to the repository root.</summary>
    public static readonly string MarkerFile = Path.Combine(".config", "dotnet-tools.json");

    /// <summary>
    /// Finds the repository root above <paramref name="startDirectory"/>, or, when it is null, above the
    /// current directory and then above this assembly's folder.
    /// </summary>
    /// <param name="startDirectory">Where to start; null for the current directory, then the assembly location.</param>
    /// <returns>The root folder, or null if none of the folders walked holds the marker.</returns>
    public static string? Find(string? startDirectory = null)
    {
        if (startDirectory is not null)
            return WalkUp(startDirectory);
        return WalkUp(Environment.CurrentDirectory)
               ?? WalkUp(AppContext.BaseDirectory)
               ?? WalkUp(Path.GetDirectoryName(typeof(RepositoryRoot).Assembly.Location));
    }

    /// <summary>
    /// The repository root (<see cref="Find"/> from the default places), or an error that says what needed it,
    /// where it looked and what to do.
    /// </summary>
    /// <param name="needs">What needs the repository, as the start of the message ("Notebooks write to artifacts/ of the course repository").</param>
    /// <param name="remedy">The last sentence of the message.</param>
    /// <exception cref="InvalidOperationException">No folder above the default places holds <see cref="MarkerFile"/>.</exception>
    public static string Require(string needs, string remedy = "Run from inside the repository.") =>
        Find() ?? throw new InvalidOperationException(
            $"{needs}, but no folder above {string.Join(", ", DefaultStartDirectories())} holds {MarkerFile}. {remedy}");

    /// <summary>The places <see cref="Find"/> starts from when given no start folder (for messages).</summary>
    /// <returns>The current directory, the app base directory and the assembly folder.</returns>
    public static IReadOnlyList<string> DefaultStartDirectories() =>
        new[] { Environment.CurrentDirectory, AppContext.BaseDirectory, Path.GetDirectoryName(typeof(RepositoryRoot).Assembly.Location) }
            .Where(d => !string.IsNullOrEmpty(d)).Select(d => Path.TrimEndingDirectorySeparator(d!)).Distinct().ToArray();

    private static string? WalkUp(string? start)
    {
        if (string.IsNullOrEmpty(start))
            return null;
        try
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, MarkerFile)))
                    return dir.FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
        }
        return null;
    }
}
