using System.Globalization;

namespace Bench;

/// <summary>The benchmark's command-line settings; <see cref="Parse"/> reads them and checks every value.</summary>
public sealed class BenchOptions
{
    /// <summary>"fashion-mnist", "mnist" or "synthetic" (random 28x28 images made in memory, no files needed).</summary>
    public string Dataset { get; private set; } = "fashion-mnist";

    /// <summary>"mlp" (the library's <c>Vae.Mlp</c>) or "conv" (<c>Vae.Conv</c>).</summary>
    public string Model { get; private set; } = "mlp";

    /// <summary>
    /// The decoder's likelihood: "bernoulli" (the default, <c>BernoulliLikelihood</c>), "continuous-bernoulli"
    /// (<c>ContinuousBernoulliLikelihood</c>) or "gaussian" (<c>GaussianLikelihood</c>, sigma 1).
    /// </summary>
    public string Likelihood { get; private set; } = "bernoulli";

    /// <summary>
    /// "none" (the default) or "dynamic": dynamic binarization of the training batches (<c>Binarization.Dynamic</c>)
    /// and one fixed binarization of the test images with the seed (the images of <c>ImageData.Binarize(seed)</c>),
    /// on which the test ELBO and the importance-weighted bound are evaluated.
    /// </summary>
    public string Binarize { get; private set; } = "none";

    /// <summary>Training epochs; each one is run by the library and then by the baseline.</summary>
    public int Epochs { get; private set; } = 2;

    /// <summary>Examples per optimisation step.</summary>
    public int Batch { get; private set; } = 128;

    /// <summary>Latent dimensions.</summary>
    public int Latent { get; private set; } = 20;

    /// <summary>Hidden layer sizes of the MLP, encoder side first (the decoder mirrors them).</summary>
    public int[] Hidden { get; private set; } = { 400 };

    /// <summary>Feature maps of the first convolution of the conv model (the second has twice as many).</summary>
    public int Channels { get; private set; } = 32;

    /// <summary>libtorch intra-op threads.</summary>
    public int Threads { get; private set; } = Environment.ProcessorCount;

    /// <summary>Training images to use (all when null).</summary>
    public int? Limit { get; private set; }

    /// <summary>Test images to use (all when null).</summary>
    public int? TestLimit { get; private set; }

    /// <summary>Seed of the initial weights, the batch order and every random draw.</summary>
    public long Seed { get; private set; }

    /// <summary>Adam's learning rate (both loops).</summary>
    public double LearningRate { get; private set; } = 1e-3;

    /// <summary>When false, only the library is timed (no baseline, no overhead_ratio).</summary>
    public bool Baseline { get; private set; } = true;

    /// <summary>Steps each loop runs on a throwaway model before timing starts (JIT, allocator caches).</summary>
    public int WarmupBatches { get; private set; } = 20;

    /// <summary>Side of the square matrices of the matrix-product rate measurement.</summary>
    public int GemmSize { get; private set; } = 2048;

    /// <summary>Trials of the matrix-product rate measurement (about 0.25 s each; the best counts), at the start and at the end.</summary>
    public int GemmTrials { get; private set; } = 5;

    /// <summary>When true, a per-phase profile of one training step (data, forward, backward, optimiser) is printed.</summary>
    public bool Profile { get; private set; }

    /// <summary>Steps the profile averages over.</summary>
    public int ProfileBatches { get; private set; } = 100;

    /// <summary>Importance samples per image of the importance-weighted bound timing; 0 skips it.</summary>
    public int IwK { get; private set; }

    /// <summary>Test images of the batched importance-weighted bound (all test images when null).</summary>
    public int? IwImages { get; private set; }

    /// <summary>Images of the per-image loop, which is timed on this subset and extrapolated; 0 skips the loop.</summary>
    public int IwLoopImages { get; private set; } = 100;

    /// <summary>Images per batch of the batched importance-weighted bound.</summary>
    public int IwBatch { get; private set; } = 250;

    /// <summary>Importance samples per chunk (both the batched bound and the per-image loop).</summary>
    public int IwChunk { get; private set; } = 100;

    /// <summary>True when --help was given: print <see cref="Usage"/> and do nothing else.</summary>
    public bool Help { get; private set; }

    /// <summary>The help text.</summary>
    public const string Usage = """
        Usage: dotnet run -c Release --project bench -- [options]

        Times training of the course library's VAE (Trainer.Fit) against a minimal hand-written TorchSharp
        loop (same model, loss, Adam and batch order), alternating epoch by epoch in one process, and prints
        one JSON object per line: one per epoch, then a summary ("summary": true).

          --dataset NAME        fashion-mnist (default), mnist or synthetic
          --model NAME          mlp (default) or conv
          --likelihood NAME     bernoulli (default), continuous-bernoulli or gaussian (sigma 1); other
                                than bernoulli needs --no-baseline, no --profile (the baseline is Bernoulli)
          --binarize MODE       none (default) or dynamic: dynamic binarization of the training batches
                                and one fixed binarization of the test set (seeded); needs --no-baseline,
                                no --profile
          --epochs N            training epochs (default 2)
          --batch B             examples per step (default 128)
          --latent Z            latent dimensions (default 20)
          --hidden H[,H2...]    MLP hidden sizes, encoder side first (default 400)
          --channels C          conv model: feature maps of the first convolution (default 32)
          --threads T           libtorch threads (default: the number of cores)
          --limit N             use the first N training images
          --test-limit N        use the first N test images
          --seed S              seed (default 0)
          --lr X                Adam learning rate (default 0.001)
          --no-baseline         time the library only
          --warmup-batches N    untimed warm-up steps of each loop on a throwaway model (default 20)
          --gemm-size N         matrix side of the fp32 matrix-product rate measurement (default 2048)
          --gemm-trials N       trials of about 0.25 s each, the best counts (default 5)
          --profile             also time data / forward / backward / optimiser per step, and the
                                matrix products of one step in isolation (MLP)
          --profile-batches N   steps the profile averages over (default 100)
          --iw-k K              time the importance-weighted bound with K samples (default 0: skip)
          --iw-images N         test images of the batched bound (default: all test images)
          --iw-loop-images N    images of the per-image loop, extrapolated to --iw-images (default 100;
                                0 skips the loop, e.g. for --iw-k 5000)
          --iw-batch N          images per batch of the batched bound (default 250)
          --iw-chunk N          importance samples per chunk (default 100)
          --help                this text
        """;

    /// <summary>Reads <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the first bad option or value.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"{name} needs a value.");
                return args[++i];
            }
            int Int(int min) => ParseInt(name, Value(), min);
            switch (name)
            {
                case "--help" or "-h" or "-?": o.Help = true; break;
                case "--dataset":
                    o.Dataset = Value();
                    if (o.Dataset is not ("fashion-mnist" or "mnist" or "synthetic"))
                        throw new ArgumentException($"--dataset must be fashion-mnist, mnist or synthetic; got \"{o.Dataset}\".");
                    break;
                case "--model":
                    o.Model = Value();
                    if (o.Model is not ("mlp" or "conv"))
                        throw new ArgumentException($"--model must be mlp or conv; got \"{o.Model}\".");
                    break;
                case "--likelihood":
                    o.Likelihood = Value();
                    if (o.Likelihood is not ("bernoulli" or "continuous-bernoulli" or "gaussian"))
                        throw new ArgumentException($"--likelihood must be bernoulli, continuous-bernoulli or gaussian; got \"{o.Likelihood}\".");
                    break;
                case "--binarize":
                    o.Binarize = Value();
                    if (o.Binarize is not ("none" or "dynamic"))
                        throw new ArgumentException($"--binarize must be none or dynamic; got \"{o.Binarize}\".");
                    break;
                case "--epochs": o.Epochs = Int(1); break;
                case "--batch": o.Batch = Int(1); break;
                case "--latent": o.Latent = Int(1); break;
                case "--hidden":
                    o.Hidden = Value().Split(',').Select(h => ParseInt(name, h, 1)).ToArray();
                    break;
                case "--channels": o.Channels = Int(1); break;
                case "--threads": o.Threads = Int(1); break;
                case "--limit": o.Limit = Int(1); break;
                case "--test-limit": o.TestLimit = Int(1); break;
                case "--seed": o.Seed = ParseInt(name, Value(), 0); break;
                case "--lr":
                    string lr = Value();
                    if (!double.TryParse(lr, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) || !(rate > 0) || double.IsInfinity(rate))
                        throw new ArgumentException($"--lr must be a positive number; got \"{lr}\".");
                    o.LearningRate = rate;
                    break;
                case "--no-baseline": o.Baseline = false; break;
                case "--warmup-batches": o.WarmupBatches = Int(0); break;
                case "--gemm-size": o.GemmSize = Int(16); break;
                case "--gemm-trials": o.GemmTrials = Int(1); break;
                case "--profile": o.Profile = true; break;
                case "--profile-batches": o.ProfileBatches = Int(1); break;
                case "--iw-k": o.IwK = Int(0); break;
                case "--iw-images": o.IwImages = Int(1); break;
                case "--iw-loop-images": o.IwLoopImages = Int(0); break;
                case "--iw-batch": o.IwBatch = Int(1); break;
                case "--iw-chunk": o.IwChunk = Int(1); break;
                default: throw new ArgumentException($"Unknown option \"{name}\" (--help lists the options).");
            }
        }
        // The baseline loop (Baseline.cs), which the profile also runs, is the Bernoulli decoder on the data as given:
        // only then does it time the same computation as the library.
        if ((o.Baseline || o.Profile) && o.Likelihood != "bernoulli")
            throw new ArgumentException($"--likelihood {o.Likelihood} needs --no-baseline and no --profile: the baseline loop is a Bernoulli decoder, so it would not time the same model.");
        if ((o.Baseline || o.Profile) && o.Binarize != "none")
            throw new ArgumentException($"--binarize {o.Binarize} needs --no-baseline and no --profile: the baseline loop trains on the grey levels, so it would not time the same data.");
        return o;
    }

    private static int ParseInt(string name, string text, int min)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min)
            throw new ArgumentException($"{name} must be an integer of at least {min}; got \"{text}\".");
        return value;
    }
}
