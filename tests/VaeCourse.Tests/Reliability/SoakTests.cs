using System.Diagnostics;
using TorchSharp;
using VaeCourse.Model;
using VaeCourse.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Reliability;

/// <summary>
/// A long run: trains a small VAE for about two minutes (hundreds of epochs, held-out evaluation after each,
/// a checkpoint every 10) and checks that resident memory after the last epoch is within 5% of what it was
/// after the first few. The data per epoch is large enough that leaking one batch tensor per step would
/// exceed the 5% many times over (checked by arithmetic below, and verified by injecting such a leak).
/// </summary>
public sealed class SoakTests(ITestOutputHelper output)
{
    private static readonly TimeSpan TrainingBudget = TimeSpan.FromSeconds(120);
    private const int BaselineEpoch = 5;    // "after the first few epochs": allocator and caches warmed up
    private const int MinimumEpochs = 15;  // enough for a per-step leak to exceed the tolerance ten times over
    private const double Tolerance = 0.05;
    private const int Examples = 8000, Features = 784, BatchSize = 100;

    private sealed class SoakFinished : Exception;

    /// <summary>The process's resident memory after a full garbage collection (the soak tests' measure, shared).</summary>
    internal static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Resident_memory_stays_flat_over_hundreds_of_epochs()
    {
        // One thread: on a busy machine (CI runs the notebook tests at the same time) libtorch's thread pool can make
        // steps many times slower; leaks do not depend on the thread count.
        Course.Setup(seed: 0, threads: 1);
        manual_seed(0);
        var model = Vae.Mlp(Features, new[] { 256 }, 8);
        var g = new Generator(1);
        var train = (rand(new long[] { Examples, Features }, generator: g) > 0.7).to(float32);
        var test = (rand(new long[] { 1000, Features }, generator: g) > 0.7).to(float32);
        var trainer = new Trainer(model, new TrainerOptions { Epochs = 100_000, BatchSize = BatchSize, ProgressInterval = TimeSpan.FromSeconds(5) });
        string folder = Directory.CreateTempSubdirectory("vae-soak").FullName;
        string checkpoint = Path.Combine(folder, "soak.bin");
        var resident = new List<long>();
        var clock = Stopwatch.StartNew();
        int epochs = 0;
        try
        {
            trainer.Fit(train, test, p =>
            {
                if (p.Finished is null) return;
                epochs = p.Epoch;
                if (epochs % 10 == 0) Checkpoint.Save(model, checkpoint);
                resident.Add(ResidentBytes());
                if (epochs >= MinimumEpochs && clock.Elapsed >= TrainingBudget) throw new SoakFinished();
            });
            Assert.Fail("the soak ended before its time budget");
        }
        catch (SoakFinished)
        {
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            Course.Setup(seed: 0); // back to all threads for the tests that follow
        }
        clock.Stop();

        long baseline = resident[BaselineEpoch - 1], last = resident[^1], peak = resident.Skip(BaselineEpoch - 1).Max();
        int steps = (Examples + BatchSize - 1) / BatchSize;
        long leakPerEpoch = (long)steps * BatchSize * Features * sizeof(float); // one batch tensor per step
        double change = (double)last / baseline - 1;
        output.WriteLine($"{epochs} epochs ({epochs * steps} steps) in {clock.Elapsed.TotalSeconds:F0} s; resident after epoch 1 {resident[0] / 1e6:F1} MB, " +
                         $"after epoch {BaselineEpoch} {baseline / 1e6:F1} MB, peak after that {peak / 1e6:F1} MB, after epoch {epochs} {last / 1e6:F1} MB " +
                         $"({100 * change:+0.00;-0.00}%); a leak of one batch tensor per step would add {leakPerEpoch / 1e6:F1} MB per epoch.");
        output.WriteLine("resident MB by epoch: " + string.Join(" ", resident.Select((r, i) => (i + 1) % 10 == 0 || i < 10 ? $"{i + 1}:{r / 1e6:F0}" : null).Where(s => s is not null)));

        // The test can see the leak it is meant to catch: over the measured epochs it would be many times the tolerance.
        Assert.True(leakPerEpoch * (epochs - BaselineEpoch) > 10 * Tolerance * baseline,
            $"too little data per epoch or too few epochs to detect a per-step batch leak ({leakPerEpoch} bytes per epoch)");
        Assert.True(epochs >= MinimumEpochs);
        Assert.True(change <= Tolerance,
            $"resident memory grew from {baseline / 1e6:F1} MB after epoch {BaselineEpoch} to {last / 1e6:F1} MB after epoch {epochs} ({100 * change:F1}%, allowed {100 * Tolerance}%)");
    }
}
