// Compiled by MSBuild's RoslynCodeTaskFactory (see Directory.Build.targets) and by the unit tests.
//
// Why: TorchSharp 0.107.0's libLibTorchSharp.so was linked with GCC 13 and so asks the host's
// libstdc++.so.6 for the version GLIBCXX_3.4.32. Debian 12 (GCC 12) defines versions only up to
// GLIBCXX_3.4.30, so the dynamic loader refuses the library and every tensor operation fails. The
// only symbol bound to that version is _ZSt21ios_base_library_initv, a link-forcing reference GCC 13
// emits for <iostream>, with no relocation against it. Marking the version requirement weak
// (VER_FLG_WEAK in the vna_flags of its Vernaux entry, ELF gABI "Symbol Versioning") makes the loader
// accept the library with a warning instead of an error. See docs/platform-notes.md, section 1.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
#if !VAE_ELF_PATCHER_ONLY
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

namespace VaeCourse.Build
{
#if !VAE_ELF_PATCHER_ONLY // the kernel extension (interactive/) compiles only ElfVersionPatcher: MSBuild is not there at run time
    /// <summary>
    /// MSBuild task: in each given ELF shared library, marks as weak every version requirement on
    /// libstdc++.so.6 that the host's libstdc++ does not define. Idempotent; leaves files untouched
    /// (bytes and timestamps) where nothing needs to change, and does nothing on hosts whose
    /// libstdc++ has every version asked for, or where no libstdc++ is found (Windows, macOS).
    /// </summary>
    public class WeakenMissingLibStdCxxVersions : Microsoft.Build.Utilities.Task
    {
        /// <summary>The shared libraries to patch (for example every copy of libLibTorchSharp.so).</summary>
        [Required]
        public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>Optional path of the host libstdc++.so.6; found through ldconfig when empty.</summary>
        public string HostLibStdCxx { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            if (Files.Length == 0) return true;
            string? host = string.IsNullOrEmpty(HostLibStdCxx) ? ElfVersionPatcher.FindHostLibStdCxx() : HostLibStdCxx;
            if (host == null || !File.Exists(host))
            {
                Log.LogMessage(MessageImportance.Low, "No host libstdc++.so.6 found; nothing to patch.");
                return true;
            }
            byte[] hostBytes = File.ReadAllBytes(host);
            foreach (ITaskItem item in Files)
            {
                string path = item.ItemSpec;
                try
                {
                    IReadOnlyList<string> weakened = ElfVersionPatcher.WeakenMissing(path, v => ElfVersionPatcher.HostDefines(hostBytes, v));
                    if (weakened.Count > 0)
                        Log.LogMessage(MessageImportance.High,
                            $"{path}: marked {string.Join(", ", weakened)} weak (the host's {host} lacks it; see docs/platform-notes.md).");
                }
                catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"Could not patch {path}: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }

#endif
    /// <summary>Reads and edits the version requirements (.gnu.version_r) of 64-bit little-endian ELF files.</summary>
    public static class ElfVersionPatcher
    {
        /// <summary>VER_FLG_WEAK: the version requirement is weak (ELF gABI, symbol versioning).</summary>
        public const ushort VerFlagWeak = 0x2;
        const uint ShtGnuVerneed = 0x6ffffffe;
        const string LibStdCxx = "libstdc++.so.6";

        /// <summary>One version a library asks of libstdc++.so.6, with the file offset of its vna_flags field.</summary>
        public sealed class Requirement
        {
            /// <summary>Creates a requirement.</summary>
            public Requirement(string version, ushort flags, long flagsOffset) { Version = version; Flags = flags; FlagsOffset = flagsOffset; }
            /// <summary>The version name, such as GLIBCXX_3.4.32.</summary>
            public string Version { get; }
            /// <summary>The vna_flags field.</summary>
            public ushort Flags { get; }
            /// <summary>File offset of vna_flags.</summary>
            public long FlagsOffset { get; }
        }

        /// <summary>Lists the versions that <paramref name="path"/> requires from libstdc++.so.6.</summary>
        public static List<Requirement> ReadLibStdCxxRequirements(string path)
        {
            byte[] elf = File.ReadAllBytes(path);
            var result = new List<Requirement>();
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{path} is not an ELF file.");
            if (elf[4] != 2 || elf[5] != 1)
                return result; // not ELF64 little-endian: no platform this project patches
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
                long offset = (long)U64(elf, sh + 0x18);
                uint link = U32(elf, sh + 0x28), count = U32(elf, sh + 0x2C);
                long strtab = (long)U64(elf, shoff + link * (long)shentsize + 0x18);
                long vn = offset;
                for (uint n = 0; n < count; n++)
                {
                    ushort cnt = U16(elf, vn + 2);
                    string file = CString(elf, strtab + U32(elf, vn + 4));
                    long vna = vn + U32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        if (file == LibStdCxx)
                            result.Add(new Requirement(CString(elf, strtab + U32(elf, vna + 8)), U16(elf, vna + 4), vna + 4));
                        uint next = U32(elf, vna + 12);
                        if (next == 0) break;
                        vna += next;
                    }
                    uint vnNext = U32(elf, vn + 12);
                    if (vnNext == 0) break;
                    vn += vnNext;
                }
            }
            return result;
        }

        /// <summary>
        /// Marks weak each libstdc++ version requirement of <paramref name="path"/> for which
        /// <paramref name="hostDefines"/> answers false. Returns the versions it changed (empty when
        /// the file already fits the host, which makes the edit idempotent).
        /// </summary>
        public static IReadOnlyList<string> WeakenMissing(string path, Func<string, bool> hostDefines)
        {
            var toChange = ReadLibStdCxxRequirements(path)
                .Where(r => (r.Flags & VerFlagWeak) == 0 && !hostDefines(r.Version))
                .ToList();
            if (toChange.Count == 0) return Array.Empty<string>();
            // Keep the copy's time stamp: the build's incremental copy then sees it as up to date and does not put the
            // unpatched file back on the next build (which left a window where a running kernel could load it).
            DateTime stamp = File.GetLastWriteTimeUtc(path);
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            {
                foreach (Requirement r in toChange)
                {
                    ushort flags = (ushort)(r.Flags | VerFlagWeak);
                    stream.Position = r.FlagsOffset;
                    stream.Write(new[] { (byte)(flags & 0xff), (byte)(flags >> 8) }, 0, 2);
                }
            }
            File.SetLastWriteTimeUtc(path, stamp);
            return toChange.Select(r => r.Version).ToList();
        }

        /// <summary>True when the libstdc++ image holds the version name (its .dynstr lists every version it defines).</summary>
        public static bool HostDefines(byte[] hostLibStdCxx, string version)
        {
            byte[] needle = Encoding.ASCII.GetBytes("\0" + version + "\0");
            for (int i = 0; i + needle.Length <= hostLibStdCxx.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && hostLibStdCxx[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }

        /// <summary>Finds the libstdc++.so.6 the dynamic loader would use (ldconfig's cache, then usual folders); null if none.</summary>
        public static string? FindHostLibStdCxx()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
            try
            {
                var psi = new ProcessStartInfo(File.Exists("/sbin/ldconfig") ? "/sbin/ldconfig" : "ldconfig", "-p")
                { RedirectStandardOutput = true, UseShellExecute = false };
                using Process? p = Process.Start(psi);
                if (p != null)
                {
                    string text = p.StandardOutput.ReadToEnd();
                    p.WaitForExit();
                    string arch = Environment.Is64BitProcess ? "64" : "";
                    foreach (string line in text.Split('\n'))
                    {
                        string t = line.Trim();
                        if (!t.StartsWith(LibStdCxx + " (", StringComparison.Ordinal)) continue;
                        int arrow = t.IndexOf("=> ", StringComparison.Ordinal);
                        if (arrow < 0) continue;
                        if (arch.Length > 0 && !t.Substring(0, arrow).Contains(arch)) continue;
                        string candidate = t.Substring(arrow + 3).Trim();
                        if (File.Exists(candidate)) return candidate;
                    }
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is IOException)
            {
                // no ldconfig: fall back to the usual folders
            }
            foreach (string dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64", "/lib" })
            {
                string candidate = Path.Combine(dir, LibStdCxx);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        static ushort U16(byte[] b, long o) { Check(b, o, 2); return (ushort)(b[o] | b[o + 1] << 8); }
        static uint U32(byte[] b, long o) { Check(b, o, 4); return (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24); }
        static ulong U64(byte[] b, long o) => U32(b, o) | (ulong)U32(b, o + 4) << 32;

        static void Check(byte[] b, long o, int n)
        {
            if (o < 0 || o + n > b.Length) throw new InvalidDataException($"ELF structure points outside the file (offset {o}).");
        }

        static string CString(byte[] b, long o)
        {
            Check(b, o, 1);
            long end = o;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
        }
    }
}
