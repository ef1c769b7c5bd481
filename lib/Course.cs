using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using TorchSharp;

namespace VaeCourse;

/// <summary>What every notebook calls first, and the course-wide settings.</summary>
public static class Course
{
    private static bool redirectInstalled;

    /// <summary>True when the environment variable VAE_QUICK is 1 or true: small data and few epochs.</summary>
    public static bool Quick => Flag("VAE_QUICK");

    /// <summary>
    /// True when the environment variable VAE_FRESH is 1 or true: <see cref="Training.ModelCache"/> ignores its
    /// entries, trains every model again and replaces them (the notebook runner's <c>--fresh</c>).
    /// </summary>
    public static bool Fresh => Flag("VAE_FRESH");

    /// <summary>
    /// Where notebooks write what they make (the model cache's <c>models/</c>, checkpoints): the folder the environment
    /// variable VAE_ARTIFACTS names, else <c>artifacts/</c> under the repository root. The tests point it at a temporary
    /// folder, so that running them leaves the repository's artifacts as they were.
    /// </summary>
    /// <exception cref="InvalidOperationException">VAE_ARTIFACTS is unset and no repository root was found; the message names where it looked.</exception>
    public static string ArtifactsFolder
    {
        get
        {
            string? folder = Environment.GetEnvironmentVariable("VAE_ARTIFACTS");
            if (!string.IsNullOrWhiteSpace(folder)) return Path.GetFullPath(folder);
            return Path.Combine(Data.RepositoryRoot.Require("Notebooks write to artifacts/ of the course repository",
                "Run from inside the repository, or set VAE_ARTIFACTS to a folder."), "artifacts");
        }
    }

    /// <summary>
    /// The shift added to every seed of the course: the environment variable VAE_SEED_OFFSET (a whole number, 0 or more),
    /// 0 when unset. The notebook runner's <c>--seeds 0,1,2</c> runs the course once per offset and records how each claim
    /// came out (<see cref="SeedSpread"/>): a claim that one seed could flip shows there. With offset 0 every seed is the
    /// one written in the notebook.
    /// </summary>
    /// <exception cref="ArgumentException">VAE_SEED_OFFSET is set to something that is not a whole number 0 or more.</exception>
    public static long SeedOffset
    {
        get
        {
            return WholeNumberVariable("VAE_SEED_OFFSET", 0, "a whole number 0 or more (the shift added to every seed), or unset it") ?? 0;
        }
    }

    /// <summary><paramref name="seed"/> shifted by <see cref="SeedOffset"/>: what a notebook passes wherever it fixes a seed.</summary>
    public static long Seed(long seed) => seed + SeedOffset;

    /// <summary>Seeds libtorch's global generator with <see cref="Seed"/>(<paramref name="seed"/>): <c>torch.manual_seed</c>, shifted.</summary>
    public static void ManualSeed(long seed) => torch.manual_seed(Seed(seed));

    /// <summary>A CPU generator seeded with <see cref="Seed"/>(<paramref name="seed"/>), for draws that must not disturb the global one.</summary>
    public static torch.Generator Generator(long seed) => new((ulong)Seed(seed));

    private static bool Flag(string variable) => Environment.GetEnvironmentVariable(variable) is "1" or "true" or "True" or "TRUE";

    /// <summary>
    /// Prepares a notebook kernel: loads TorchSharp's native library from beside this assembly
    /// (its own search fails inside a kernel process), answers requests for FSharp.Core with the copy
    /// the kernel already loaded (Plotly.NET 6 asks for 10.1, kernels preload 10.0), seeds libtorch's
    /// generator with <paramref name="seed"/> shifted by <see cref="SeedOffset"/> and sets its thread count: <paramref name="threads"/>, else the environment variable
    /// VAE_THREADS, else one thread per processor. Why the first two: docs/platform-notes.md, sections 2 and 3.
    /// </summary>
    public static void Setup(long seed = 0, int? threads = null)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be at least 1.");
        int count = threads ?? ThreadsFromEnvironment() ?? Environment.ProcessorCount;
        LoadTorchNative();
        InstallFSharpCoreRedirect();
        ManualSeed(seed);
        torch.set_num_threads(count);
    }

    /// <summary>The thread count set by VAE_THREADS, or null when it is unset; a value that is not a positive integer is an error.</summary>
    public static int? ThreadsFromEnvironment()
    {
        return (int?)WholeNumberVariable("VAE_THREADS", 1, "a positive whole number of threads (for example 1 or 2), or unset it to use one per processor", int.MaxValue);
    }

    /// <summary>
    /// The whole number in environment variable <paramref name="name"/>, null when it is unset or blank; anything else
    /// than digits giving a value in [<paramref name="minimum"/>, <paramref name="maximum"/>] is an error naming the
    /// variable, its value and <paramref name="expected"/>.
    /// </summary>
    private static long? WholeNumberVariable(string name, long minimum, string expected, long maximum = long.MaxValue)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (long.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value)
            && value >= minimum && value <= maximum)
            return value;
        throw new ArgumentException($"The environment variable {name} is '{text}'; expected {expected}.", name);
    }

    /// <summary>Loads libLibTorchSharp from this assembly's runtimes/&lt;rid&gt;/native folder when it is there.</summary>
    public static void LoadTorchNative()
    {
        string dir = Path.GetDirectoryName(typeof(Course).Assembly.Location) ?? AppContext.BaseDirectory;
        string file = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        string path = Path.Combine(dir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", file);
        if (!File.Exists(path))
        {
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            string arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
            path = Path.Combine(dir, "runtimes", $"{os}-{arch}", "native", file);
        }
        if (File.Exists(path)) NativeLibrary.Load(path);
    }

    private static void InstallFSharpCoreRedirect()
    {
        if (redirectInstalled) return;
        redirectInstalled = true;
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            if (name.Name != "FSharp.Core") return null;
            return AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "FSharp.Core");
        };
    }
}
