using System.Diagnostics;
using Xunit;

namespace VaeCourse.Tests.PyTorch;

/// <summary>
/// A fact that needs PyTorch in Debian's Python (<c>/usr/bin/python3</c> with <c>python3-torch</c>): skipped where it
/// is missing, except under CI=true, where the test runs and fails, so that CI cannot pass without it.
/// </summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    /// <summary>Debian's Python; <c>python3</c> on PATH may be another one without torch.</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> HasTorch = new(() =>
    {
        if (!File.Exists(Python)) return false;
        using var process = Process.Start(new ProcessStartInfo(Python, ["-c", "import torch"]) { RedirectStandardError = true });
        if (process is null) return false;
        process.StandardError.ReadToEnd();
        return process.WaitForExit(60_000) && process.ExitCode == 0;
    });

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <see cref="Python"/> cannot import torch, unless CI=true.</summary>
    public PyTorchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && !HasTorch.Value)
            Skip = $"{Python} cannot import torch (apt-get install python3-torch)";
    }
}
