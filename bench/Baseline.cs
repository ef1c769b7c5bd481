using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Bench;

// The baseline: the same VAEs as the library's Vae.Mlp and Vae.Conv, written directly against TorchSharp
// with no course-library code, and the shortest training loop that does the same work per step.

/// <summary>A hand-written VAE: the forward pass returns the decoder's logits and the encoder's mu and log sigma^2.</summary>
public abstract class BaselineVae : Module<Tensor, (Tensor Logits, Tensor Mu, Tensor LogVar)>
{
    /// <summary>Names the module.</summary>
    protected BaselineVae(string name) : base(name) { }

    /// <summary>
    /// Whether ReLU overwrites its input (relu_, the default) or makes a new tensor (relu, as the library's ReLU
    /// modules and pytorch/examples' F.relu do). The profile compares the two.
    /// </summary>
    public bool InPlaceRelu { get; set; } = true;

    /// <summary>ReLU in place or not, per <see cref="InPlaceRelu"/>.</summary>
    protected Tensor Relu(Tensor x) => InPlaceRelu ? x.relu_() : x.relu();

    /// <summary>z = mu + exp(logVar / 2) * eps, eps ~ N(0, I).</summary>
    protected static Tensor Sample(Tensor mu, Tensor logVar) => mu + (0.5 * logVar).exp() * randn_like(mu);
}

/// <summary>The MLP VAE: input-hidden...-latent (two heads), decoder mirrored, ReLU, logits out (pytorch/examples).</summary>
public sealed class BaselineMlpVae : BaselineVae
{
    private readonly ModuleList<Linear> encoder = new();
    private readonly Linear mu;
    private readonly Linear logVar;
    private readonly ModuleList<Linear> decoder = new();

    /// <summary>Creates the layers: <paramref name="input"/> through <paramref name="hidden"/> to <paramref name="latent"/> and back.</summary>
    public BaselineMlpVae(int input, IReadOnlyList<int> hidden, int latent) : base(nameof(BaselineMlpVae))
    {
        int last = input;
        foreach (int h in hidden) { encoder.Add(Linear(last, h)); last = h; }
        mu = Linear(last, latent);
        logVar = Linear(last, latent);
        last = latent;
        foreach (int h in hidden.Reverse()) { decoder.Add(Linear(last, h)); last = h; }
        decoder.Add(Linear(last, input));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override (Tensor Logits, Tensor Mu, Tensor LogVar) forward(Tensor x)
    {
        var h = x;
        foreach (var layer in encoder) h = Relu(layer.forward(h));
        var m = mu.forward(h);
        var lv = logVar.forward(h);
        var y = Sample(m, lv);
        for (int i = 0; i < decoder.Count - 1; i++) y = Relu(decoder[i].forward(y));
        return (decoder[decoder.Count - 1].forward(y), m, lv);
    }
}

/// <summary>The convolutional VAE for flattened 28x28 images (stride-2 convolutions 28-14-7 and back).</summary>
public sealed class BaselineConvVae : BaselineVae
{
    private readonly Conv2d conv1, conv2;
    private readonly Linear mu, logVar, project;
    private readonly ConvTranspose2d deconv1, deconv2;
    private readonly int channels;

    /// <summary>Creates the layers with <paramref name="channels"/> maps in the first convolution.</summary>
    public BaselineConvVae(int channels, int latent) : base(nameof(BaselineConvVae))
    {
        this.channels = channels;
        conv1 = Conv2d(1, channels, 4, stride: 2, padding: 1);
        conv2 = Conv2d(channels, 2 * channels, 4, stride: 2, padding: 1);
        mu = Linear(2 * channels * 49, latent);
        logVar = Linear(2 * channels * 49, latent);
        project = Linear(latent, 2 * channels * 49);
        deconv1 = ConvTranspose2d(2 * channels, channels, 4, stride: 2, padding: 1);
        deconv2 = ConvTranspose2d(channels, 1, 4, stride: 2, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override (Tensor Logits, Tensor Mu, Tensor LogVar) forward(Tensor x)
    {
        var h = Relu(conv2.forward(Relu(conv1.forward(x.reshape(-1, 1, 28, 28))))).flatten(1);
        var m = mu.forward(h);
        var lv = logVar.forward(h);
        var y = Relu(project.forward(Sample(m, lv))).reshape(-1, 2 * channels, 7, 7);
        y = deconv2.forward(Relu(deconv1.forward(y)));
        return (y.flatten(1), m, lv);
    }
}

/// <summary>What one baseline epoch measured.</summary>
/// <param name="Seconds">Wall-clock seconds of the training loop.</param>
/// <param name="NegativeElbo">Mean training loss per example over the epoch, in nats.</param>
public sealed record BaselineEpoch(double Seconds, double NegativeElbo);

/// <summary>Milliseconds per step of each phase of a training step, averaged over the profiled steps.</summary>
/// <param name="DataMs">Taking the batch: index_select of the permutation's slice.</param>
/// <param name="ForwardMs">Model and loss.</param>
/// <param name="BackwardMs">loss.backward().</param>
/// <param name="OptimizerMs">zero_grad() and step().</param>
/// <param name="OtherMs">Reading the loss value, disposing the step's tensors.</param>
public sealed record StepProfile(double DataMs, double ForwardMs, double BackwardMs, double OptimizerMs, double OtherMs)
{
    /// <summary>The whole step.</summary>
    public double TotalMs => DataMs + ForwardMs + BackwardMs + OptimizerMs + OtherMs;

    /// <summary>The step-weighted mean of profiles of <c>Steps</c> steps each.</summary>
    public static StepProfile Average(IReadOnlyList<(StepProfile Profile, int Steps)> parts)
    {
        double n = parts.Sum(p => p.Steps);
        double Mean(Func<StepProfile, double> phase) => parts.Sum(p => phase(p.Profile) * p.Steps) / n;
        return new StepProfile(Mean(p => p.DataMs), Mean(p => p.ForwardMs), Mean(p => p.BackwardMs), Mean(p => p.OptimizerMs), Mean(p => p.OtherMs));
    }
}

/// <summary>The minimal training loop and evaluation of a <see cref="BaselineVae"/>.</summary>
public static class BaselineLoop
{
    /// <summary>Negative ELBO per example, batch mean: sum-reduced BCE with logits plus the closed-form KL, over the batch size.</summary>
    public static Tensor Loss(Tensor logits, Tensor x, Tensor mu, Tensor logVar)
    {
        var bce = F.binary_cross_entropy_with_logits(logits, x, reduction: Reduction.Sum);
        var kl = -0.5 * (1 + logVar - mu.square() - logVar.exp()).sum();
        return (bce + kl) / x.shape[0];
    }

    /// <summary>
    /// One epoch: a permutation from <paramref name="order"/>, batches by index_select, each step in its own dispose scope.
    /// </summary>
    public static BaselineEpoch TrainEpoch(BaselineVae model, optim.Optimizer optimizer, Tensor data, int batch, Generator order)
    {
        model.train();
        long n = data.shape[0];
        double sum = 0;
        var clock = Stopwatch.StartNew();
        using var permutation = randperm(n, generator: order);
        for (long start = 0; start < n; start += batch)
        {
            long size = Math.Min(batch, n - start);
            using var scope = NewDisposeScope();
            var x = data.index_select(0, permutation.narrow(0, start, size));
            var (logits, mu, logVar) = model.forward(x);
            var loss = Loss(logits, x, mu, logVar);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            sum += loss.item<float>() * size;
        }
        return new BaselineEpoch(clock.Elapsed.TotalSeconds, sum / n);
    }

    /// <summary>The same loop for <paramref name="steps"/> steps with a stopwatch around each phase (CPU tensors run eagerly, so each phase's time is its own).</summary>
    public static StepProfile Profile(BaselineVae model, optim.Optimizer optimizer, Tensor data, int batch, int steps, Generator order)
    {
        model.train();
        long n = data.shape[0];
        var t = new double[5];
        var clock = new Stopwatch();
        using var permutation = randperm(n, generator: order);
        void Lap(int phase) { t[phase] += clock.Elapsed.TotalMilliseconds; clock.Restart(); }
        for (int s = 0; s < steps; s++)
        {
            long start = (long)(s % (int)Math.Max(1, n / batch)) * batch;
            long size = Math.Min(batch, n - start);
            clock.Restart();
            using (var scope = NewDisposeScope())
            {
                var x = data.index_select(0, permutation.narrow(0, start, size));
                Lap(0);
                var (logits, mu, logVar) = model.forward(x);
                var loss = Loss(logits, x, mu, logVar);
                Lap(1);
                loss.backward();
                Lap(2);
                optimizer.step();
                optimizer.zero_grad();
                Lap(3);
                loss.item<float>();
            }
            Lap(4);
        }
        return new StepProfile(t[0] / steps, t[1] / steps, t[2] / steps, t[3] / steps, t[4] / steps);
    }

    /// <summary>Mean negative ELBO per example over <paramref name="data"/>, without gradients, 1000 at a time.</summary>
    public static double Evaluate(BaselineVae model, Tensor data)
    {
        model.eval();
        using var _ = no_grad();
        double sum = 0;
        long n = data.shape[0];
        for (long start = 0; start < n; start += 1000)
        {
            using var scope = NewDisposeScope();
            var x = data.narrow(0, start, Math.Min(1000, n - start));
            var (logits, mu, logVar) = model.forward(x);
            sum += Loss(logits, x, mu, logVar).item<float>() * x.shape[0];
        }
        model.train();
        return sum / n;
    }
}
