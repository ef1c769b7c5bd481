namespace VaeCourse.Testing;

/// <summary>
/// A fresh folder under the system temp folder, deleted (with its content) on dispose: the one temporary-folder helper
/// of both test projects (each compiles this file).
/// </summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates the folder.</summary>
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vae-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder (nothing is created).</summary>
    /// <param name="parts">Relative path parts.</param>
    /// <returns>The combined path.</returns>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes <paramref name="bytes"/> to the file <paramref name="name"/> in the folder.</summary>
    /// <param name="name">The file, relative to this folder.</param>
    /// <param name="bytes">Its content.</param>
    /// <returns>The file's full path.</returns>
    public string Write(string name, byte[] bytes)
    {
        string path = Combine(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Creates (if needed) the subfolder <paramref name="name"/> and returns its full path.</summary>
    /// <param name="name">The subfolder, relative to this folder.</param>
    /// <returns>The subfolder's full path.</returns>
    public string Sub(string name)
    {
        string folder = Combine(name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Creates a subfolder holding the given (empty unless content is given) files.</summary>
    /// <param name="relativeFolder">The subfolder, relative to this folder.</param>
    /// <param name="fileNames">The files to create.</param>
    /// <returns>The subfolder's full path.</returns>
    public string CreateFolderWith(string relativeFolder, IEnumerable<string> fileNames)
    {
        string folder = Combine(relativeFolder);
        Directory.CreateDirectory(folder);
        foreach (string f in fileNames)
            File.WriteAllBytes(System.IO.Path.Combine(folder, f), [1, 2, 3]);
        return folder;
    }

    /// <summary>All files anywhere under <paramref name="relativeFolder"/> (relative names).</summary>
    /// <param name="relativeFolder">The subfolder to list.</param>
    /// <returns>The file names, relative to that subfolder.</returns>
    public string[] ListFiles(string relativeFolder = "")
    {
        string folder = Combine(relativeFolder);
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => System.IO.Path.GetRelativePath(folder, f)).Order().ToArray()
            : [];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
