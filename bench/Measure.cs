using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Bench;

/// <summary>Machine-level measurements: matrix-product rate, resident memory, load average.</summary>
public static class Measure
{
    /// <summary>
    /// fp32 matrix-product rate of libtorch (torch.mm of two random <paramref name="size"/> x <paramref name="size"/>
    /// matrices), in GFLOP/s, counting 2 n^3 FLOPs per product: the best of <paramref name="trials"/> trials, each
    /// running products for at least <paramref name="trialSeconds"/>, after two untimed products. The best, not the
    /// mean, because other processes on the machine can only slow a trial down.
    /// </summary>
    public static double GemmGflops(int size, int trials = 5, double trialSeconds = 0.25)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator(1);            // not the global one: the training's random draws stay as they are
        var a = randn(new long[] { size, size }, generator: generator);
        var b = randn(new long[] { size, size }, generator: generator);
        for (int i = 0; i < 2; i++) mm(a, b).Dispose();
        double best = 0;
        var clock = new Stopwatch();
        for (int t = 0; t < trials; t++)
        {
            int reps = 0;
            clock.Restart();
            do { mm(a, b).Dispose(); reps++; } while (clock.Elapsed.TotalSeconds < trialSeconds);
            best = Math.Max(best, reps / clock.Elapsed.TotalSeconds);
        }
        return 2.0 * size * size * size * best / 1e9;
    }

    /// <summary>
    /// Milliseconds of the matrix products of one training step of the MLP VAE at batch <paramref name="batch"/>,
    /// each product timed in isolation on random tensors of the real shapes (nn.Linear's layouts): forward
    /// addmm(b, x, W^T), input gradient gY W (not for the first layer), weight gradient gY^T x. The best of
    /// <paramref name="trials"/> runs of <paramref name="reps"/> steps' worth of products.
    /// </summary>
    public static double MlpStepGemmMs(int batch, int input, IReadOnlyList<int> hidden, int latent, int reps = 20, int trials = 5)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shapes = new List<(int In, int Out)>();
        int last = input;
        foreach (int h in hidden) { shapes.Add((last, h)); last = h; }
        shapes.Add((last, latent));
        shapes.Add((last, latent));
        last = latent;
        foreach (int h in hidden.Reverse()) { shapes.Add((last, h)); last = h; }
        shapes.Add((last, input));
        using var generator = new Generator(1);
        Tensor Random(params long[] shape) => randn(shape, generator: generator);
        var layers = shapes.Select(s => (X: Random(batch, s.In), W: Random(s.Out, s.In), B: Random(s.Out), GY: Random(batch, s.Out))).ToList();
        void Step()
        {
            for (int i = 0; i < layers.Count; i++)
            {
                var (x, w, b, gy) = layers[i];
                addmm(b, x, w.t(), 1, 1).Dispose();
                if (i > 0) gy.mm(w).Dispose();
                gy.t().mm(x).Dispose();
            }
        }
        for (int i = 0; i < 3; i++) Step();
        double best = double.MaxValue;
        var clock = new Stopwatch();
        for (int t = 0; t < trials; t++)
        {
            clock.Restart();
            for (int r = 0; r < reps; r++) Step();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds / reps);
        }
        return best;
    }

    /// <summary>Resident memory of this process in MiB (Process.WorkingSet64) after a full garbage collection.</summary>
    public static double RssMb()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>
    /// Resident anonymous memory (heap, libtorch's tensors) and resident file-backed memory (mapped libraries such as
    /// libtorch_cpu.so) in MiB, from /proc/self/status (RssAnon, RssFile); nulls where there is no such file.
    /// Call after <see cref="RssMb"/>, which collects garbage first.
    /// </summary>
    public static (double? Anon, double? File) RssParts()
    {
        try
        {
            double? anon = null, file = null;
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("RssAnon:")) anon = Kilobytes(line) / 1024.0;
                else if (line.StartsWith("RssFile:")) file = Kilobytes(line) / 1024.0;
            }
            return (anon, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return (null, null);
        }
        static double Kilobytes(string line) =>
            double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The one-minute load average from /proc/loadavg, or null where there is none.</summary>
    public static double? LoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
