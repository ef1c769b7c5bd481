using TorchSharp;
using TorchSharp.Modules;
using VaeCourse.Model;
using VaeCourse.Training;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Training;

/// <summary>
/// <see cref="FusedAdam"/> against TorchSharp's own Adam and AdamW on the same parameters and gradients, its refusal of
/// non-finite gradients, its fallback for parameters it cannot fuse, and the trainer's default.
/// </summary>
public sealed class FusedAdamTests
{
    // 1 and 7 are shorter than one vector, 13x17 = 221 ends in a partial vector, 100,003 is a long one that
    // ends in a partial vector too.
    private static readonly long[][] Shapes = { new long[] { 1 }, new long[] { 7 }, new long[] { 13, 17 }, new long[] { 100_003 } };

    public FusedAdamTests() => Course.Setup(seed: 0);

    /// <summary>Two copies of the same random parameters, one per optimiser.</summary>
    private static (List<Parameter> A, List<Parameter> B) Twins(ScalarType dtype = ScalarType.Float32)
    {
        using var generator = new Generator(11);
        var a = Shapes.Select(s => new Parameter(randn(s, dtype: dtype, generator: generator))).ToList();
        var b = a.Select(p => new Parameter(p.detach().clone())).ToList();
        return (a, b);
    }

    /// <summary>
    /// 100 steps of both optimisers on the same random gradients (a new scale each step, so the moments see both large
    /// and small values); returns the largest max|a - b| / max|b| over the parameter tensors.
    /// </summary>
    private static double RelativeDifferenceAfter100Steps(optim.Optimizer fused, List<Parameter> a, optim.Optimizer torchAdam, List<Parameter> b)
    {
        using var generator = new Generator(5);
        for (int step = 0; step < 100; step++)
        {
            using var scope = NewDisposeScope();
            double scale = Math.Exp(4 * rand(1, generator: generator).item<float>() - 2);
            for (int i = 0; i < a.Count; i++)
            {
                var g = randn(a[i].shape, generator: generator) * scale;
                a[i].grad = g.clone().DetachFromDisposeScope();
                b[i].grad = g.clone().DetachFromDisposeScope();
            }
            fused.step();
            torchAdam.step();
        }
        return a.Zip(b).Max(p => Relative(p.First, p.Second));
    }

    /// <summary>max|a - b| / max|b|: the difference relative to the tensor's scale (an element near 0 has no useful relative error).</summary>
    private static double Relative(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<float>() / (double)b.abs().max().item<float>();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void After100StepsAdamMatchesTorchAdam(double weightDecay)
    {
        var (a, b) = Twins();
        var fused = new FusedAdam(a, weight_decay: weightDecay);
        var reference = optim.Adam(b, weight_decay: weightDecay);
        Assert.InRange(RelativeDifferenceAfter100Steps(fused, a, reference, b), 0, 1e-6);
        // The moments too, and the parameters moved (a test of two optimisers that did nothing would pass above).
        var moments = fused.state_dict().State.Cast<Adam.State>().Zip(reference.state_dict().State.Cast<Adam.State>());
        foreach (var (f, r) in moments)
        {
            Assert.Equal(100, f.step);
            Assert.InRange(Relative(f.exp_avg, r.exp_avg), 0, 1e-6);
            Assert.InRange(Relative(f.exp_avg_sq, r.exp_avg_sq), 0, 1e-6);
        }
        var (start, _) = Twins();
        Assert.All(a.Zip(start), p => Assert.False(p.First.allclose(p.Second, rtol: 0, atol: 1e-4), "a parameter did not move"));
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.5)]
    public void After100StepsAdamWMatchesTorchAdamW(double weightDecay)
    {
        var (a, b) = Twins();
        var fused = weightDecay == 0.01 ? FusedAdam.CreateAdamW(a) : FusedAdam.CreateAdamW(a, lr: 1e-2, weight_decay: weightDecay);
        // TorchSharp's optim.AdamW defaults to no decay; PyTorch's AdamW, and CreateAdamW, to 0.01.
        var reference = weightDecay == 0.01 ? optim.AdamW(b, weight_decay: 0.01) : optim.AdamW(b, lr: 1e-2, weight_decay: weightDecay);
        Assert.True(Assert.IsType<FusedAdam>(fused).DecoupledWeightDecay);
        Assert.InRange(RelativeDifferenceAfter100Steps(fused, a, reference, b), 0, 1e-6);
    }

    [Theory]
    [InlineData(3, 99_999, float.NaN)]          // near the large tensor's end, after finite values
    [InlineData(0, 0, float.PositiveInfinity)]   // the one-element tensor
    [InlineData(2, 220, float.NegativeInfinity)] // the partial vector at the end of 13x17
    public void ANonFiniteGradientRefusesTheWholeStepAndChangesNoBit(int parameter, long element, float value)
    {
        var (a, _) = Twins();
        var fused = new FusedAdam(a);
        using var generator = new Generator(3);
        void Gradients()
        {
            foreach (var p in a) p.grad = randn(p.shape, generator: generator);
        }
        Gradients();
        fused.step(); // moments are no longer zero, so an unchanged moment means something
        Gradients();
        using (no_grad()) a[parameter].grad!.view(-1)[element] = value;
        var before = a.Select(p => p.detach().clone()).ToList();
        var states = fused.state_dict().State.Cast<Adam.State>().ToList();
        var momentsBefore = states.Select(s => (s.exp_avg.clone(), s.exp_avg_sq.clone())).ToList();

        Assert.False(fused.TryStep());
        var e = Assert.Throws<InvalidOperationException>(() => fused.step());
        Assert.Contains($"parameter {parameter}", e.Message);

        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(Bits.Same(a[i], before[i]), $"parameter {i} changed");
            Assert.True(Bits.Same(states[i].exp_avg, momentsBefore[i].Item1), $"exp_avg of parameter {i} changed");
            Assert.True(Bits.Same(states[i].exp_avg_sq, momentsBefore[i].Item2), $"exp_avg_sq of parameter {i} changed");
            Assert.Equal(1, states[i].step);
        }
        Gradients();
        Assert.True(fused.TryStep());
        Assert.All(states, s => Assert.Equal(2, s.step));
    }

    [Fact]
    public void Float64ParametersFallBackToTorchAdamAndTheConstructorNamesTheParameter()
    {
        var (a, _) = Twins(ScalarType.Float64);
        Assert.IsType<Adam>(FusedAdam.Create(a));
        Assert.IsType<AdamW>(FusedAdam.CreateAdamW(a));
        var e = Assert.Throws<ArgumentException>(() => new FusedAdam(a));
        Assert.Contains("parameter 0", e.Message);
        Assert.Contains("Float64", e.Message);
        Assert.Contains("FusedAdam.Create", e.Message);
    }

    [Fact]
    public void TheTrainerUsesFusedAdamOnAFloat32CpuModelAndTheFactoryWhenGiven()
    {
        var model = Vae.Mlp(16, new[] { 8 }, 2);
        Assert.IsType<FusedAdam>(new Trainer(model).Optimizer);
        Assert.IsType<Adam>(new Trainer(model, new TrainerOptions { Optimizer = (p, lr) => optim.Adam(p, lr) }).Optimizer);
        Assert.IsType<Adam>(new Trainer(Vae.Mlp(16, new[] { 8 }, 2).to(float64)).Optimizer);
    }
}
