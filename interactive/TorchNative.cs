using System.Runtime.InteropServices;
using VaeCourse.Build;

namespace VaeCourse.Interactive;

/// <summary>
/// TorchSharp's native library as a notebook gets it from the NuGet cache. There, libLibTorchSharp.so sits in the
/// TorchSharp package and libtorch in the libtorch-cpu-linux-x64 package, and neither went through this repository's
/// build, which marks the library's GLIBCXX_3.4.32 requirement weak (Directory.Build.targets). On a host whose
/// libstdc++ lacks that version (Debian 12, Ubuntu 22.04) TorchSharp's own loader then fails at the first tensor
/// operation. <see cref="Preload"/> loads libtorch from its package and a patched copy of libLibTorchSharp.so, so
/// that TorchSharp finds both already loaded (by their sonames).
/// </summary>
public static class TorchNative
{
    /// <summary>
    /// On Linux, when the host's libstdc++ lacks a version libLibTorchSharp.so asks for: copies the library into
    /// <paramref name="cacheRoot"/> (default: the user's local application data, VaeCourse/native), marks the missing
    /// versions weak in the copy (build/LibStdCxxCompat.cs), loads libtorch.so from the newest libtorch-cpu package of
    /// the NuGet cache that TorchSharp.dll was restored into, then the copy. Returns the copy's path, or null when
    /// nothing needed doing (other systems, a host libstdc++ with every version, or no NuGet layout).
    /// </summary>
    public static string? Preload(string? cacheRoot = null)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // typeof does not run TorchSharp's static constructor, which would try (and fail) to load the native library.
        string? torchSharpDll = typeof(TorchSharp.torch).Assembly.Location;
        string? package = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(torchSharpDll))); // <packages>/torchsharp/<version>
        string rid = "linux-" + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        if (package is null) return null;
        string original = Path.Combine(package, "runtimes", rid, "native", "libLibTorchSharp.so");
        if (!File.Exists(original)) return null;

        string? host = ElfVersionPatcher.FindHostLibStdCxx();
        if (host is null) return null;
        byte[] hostBytes = File.ReadAllBytes(host);
        if (ElfVersionPatcher.ReadLibStdCxxRequirements(original).All(r => ElfVersionPatcher.HostDefines(hostBytes, r.Version))) return null;

        string packages = Path.GetDirectoryName(Path.GetDirectoryName(package)!)!;
        string libtorch = NewestLibTorch(Path.Combine(packages, $"libtorch-cpu-{rid}"), rid)
            ?? throw new DllNotFoundException($"TorchSharp's native library is at {original}, but no libtorch.so was found under {Path.Combine(packages, $"libtorch-cpu-{rid}")}: restore TorchSharp-cpu (it brings libtorch-cpu-{rid}).");

        string folder = Path.Combine(cacheRoot ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "VaeCourse", "native"),
            Path.GetFileName(Path.GetDirectoryName(package)!) + "-" + Path.GetFileName(package));
        string copy = Path.Combine(folder, "libLibTorchSharp.so");
        if (!File.Exists(copy) || new FileInfo(copy).Length != new FileInfo(original).Length
            || ElfVersionPatcher.ReadLibStdCxxRequirements(copy).Any(r => (r.Flags & ElfVersionPatcher.VerFlagWeak) == 0 && !ElfVersionPatcher.HostDefines(hostBytes, r.Version)))
        {
            Directory.CreateDirectory(folder);
            string temp = $"{copy}.tmp-{Environment.ProcessId}";
            File.Copy(original, temp, overwrite: true);
            ElfVersionPatcher.WeakenMissing(temp, v => ElfVersionPatcher.HostDefines(hostBytes, v));
            File.Move(temp, copy, overwrite: true);
        }
        NativeLibrary.Load(libtorch);
        NativeLibrary.Load(copy);
        return copy;
    }

    /// <summary>libtorch.so of the highest version of the libtorch-cpu-&lt;rid&gt; package folder, or null.</summary>
    private static string? NewestLibTorch(string packageFolder, string rid) =>
        !Directory.Exists(packageFolder) ? null
        : Directory.GetDirectories(packageFolder)
            .Select(dir => (Version: Version.TryParse(Path.GetFileName(dir), out var v) ? v : new Version(), Path: Path.Combine(dir, "runtimes", rid, "native", "libtorch.so")))
            .Where(c => File.Exists(c.Path))
            .OrderByDescending(c => c.Version)
            .Select(c => c.Path)
            .FirstOrDefault();
}
