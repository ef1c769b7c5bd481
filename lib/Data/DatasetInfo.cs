namespace VaeCourse.Data;

/// <summary>
/// What the resolver needs to know about a dataset: its name (also the folder name under the cache
/// and system folders), its files with their SHA-256, and the mirrors to download from, in order.
/// Get the built-in ones from <see cref="DatasetCatalog"/>; tests may build their own (or use <c>with</c>).
/// </summary>
/// <param name="Name">The dataset name, e.g. <c>fashion-mnist</c>.</param>
/// <param name="Files">The files that make up the dataset.</param>
/// <param name="Mirrors">Base URLs (ending with '/'), tried in order; a file's URL is base + file name.</param>
public sealed record DatasetInfo(string Name, IReadOnlyList<DatasetFile> Files, IReadOnlyList<Uri> Mirrors)
{
    /// <summary>The Debian package that installs the dataset under <c>/usr/share/datasets/&lt;name&gt;</c>, if there is one.</summary>
    public string? DebianPackage { get; init; }

    /// <summary>A one-line description.</summary>
    public string Description { get; init; } = "";
}
