namespace NotebookRunner;

/// <summary>Finds the course repository: the folder holding <c>.config/dotnet-tools.json</c> (the kernel's tool manifest).</summary>
public static class RepositoryLocator
{
    /// <summary>Walks up from <paramref name="start"/> (inclusive) to the first folder holding
    /// <c>.config/dotnet-tools.json</c>; null when there is none.</summary>
    public static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, ".config", "dotnet-tools.json"))) return dir.FullName;
        }
        return null;
    }
}
