using VaeCourse.Build;

namespace VaeCourse.Tests.Build;

/// <summary>The build's libstdc++ compatibility edit (build/LibStdCxxCompat.cs; why: docs/platform-notes.md, section 1).</summary>
public class LibStdCxxCompatTests
{
    private static string BuiltLibTorchSharp()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"the build should have copied {path}");
        return path;
    }

    [Fact]
    public void BuiltLibraryFitsTheHostLibStdCxx()
    {
        if (!OperatingSystem.IsLinux()) return;
        string? host = ElfVersionPatcher.FindHostLibStdCxx();
        Assert.NotNull(host);
        byte[] hostBytes = File.ReadAllBytes(host!);
        var requirements = ElfVersionPatcher.ReadLibStdCxxRequirements(BuiltLibTorchSharp());
        Assert.NotEmpty(requirements);
        // Every version the host lacks is weak (Debian 12: GLIBCXX_3.4.32), every other one untouched.
        foreach (var r in requirements)
        {
            bool weak = (r.Flags & ElfVersionPatcher.VerFlagWeak) != 0;
            Assert.True(ElfVersionPatcher.HostDefines(hostBytes, r.Version) || weak, $"{r.Version} missing on host but not weak");
        }
        // And the library loads: a tensor operation runs.
        Course.Setup();
        Assert.Equal(6f, (TorchSharp.torch.ones(3) * 2).sum().item<float>());
    }

    [Fact]
    public void PatchMarksOnlyMissingVersionsAndIsIdempotent()
    {
        if (!OperatingSystem.IsLinux()) return;
        string copy = Path.GetTempFileName();
        try
        {
            File.Copy(BuiltLibTorchSharp(), copy, overwrite: true);
            var all = ElfVersionPatcher.ReadLibStdCxxRequirements(copy);
            // Restore the original flags (clear WEAK) so the test starts from the file as shipped.
            using (var fs = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite))
                foreach (var r in all)
                {
                    fs.Position = r.FlagsOffset;
                    ushort f = (ushort)(r.Flags & ~ElfVersionPatcher.VerFlagWeak);
                    fs.Write(new[] { (byte)f, (byte)(f >> 8) });
                }
            byte[] original = File.ReadAllBytes(copy);
            var stamp = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(copy, stamp);
            var changed = ElfVersionPatcher.WeakenMissing(copy, v => v != "GLIBCXX_3.4.32");
            Assert.Equal(new[] { "GLIBCXX_3.4.32" }, changed);
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy)); // so the build's incremental copy does not undo the patch
            byte[] patched = File.ReadAllBytes(copy);
            Assert.Equal(original.Length, patched.Length);
            Assert.Equal(2, original.Zip(patched).Count(p => p.First != p.Second) + 1); // exactly one byte differs
            Assert.Empty(ElfVersionPatcher.WeakenMissing(copy, v => v != "GLIBCXX_3.4.32"));
            Assert.Equal(patched, File.ReadAllBytes(copy));
            // A host that has every version gets no change at all.
            File.WriteAllBytes(copy, original);
            Assert.Empty(ElfVersionPatcher.WeakenMissing(copy, _ => true));
            Assert.Equal(original, File.ReadAllBytes(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void NonElfFilesAreRejectedClearly()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not an ELF file");
            var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadLibStdCxxRequirements(path));
            Assert.Contains(path, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
