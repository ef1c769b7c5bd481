using VaeCourse.Data;
using Xunit;

namespace VaeCourse.Tests.Data;

/// <summary>A fact that runs only where Debian's dataset-fashion-mnist is installed (skipped otherwise).</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    /// <summary>The folder the Debian package installs to.</summary>
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when any of the four files is missing.</summary>
    public FashionMnistFactAttribute()
    {
        if (DatasetCatalog.StandardFileNames.Any(f => !File.Exists(Path.Combine(Folder, f))))
            Skip = $"Fashion-MNIST is not installed in {Folder} (apt-get install dataset-fashion-mnist)";
    }
}
