using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VaeCourse.Training;

/// <summary>
/// Adam (Kingma and Ba 2015, Algorithm 1) for float32 CPU parameters, in one vectorised pass over each parameter's
/// memory instead of TorchSharp's eight tensor operations per parameter; with <see cref="DecoupledWeightDecay"/> it is
/// AdamW (Loshchilov and Hutter 2019, Algorithm 2). It is a <see cref="Adam"/>: the hyper-parameters, defaults,
/// parameter groups, learning-rate changes through <c>ParamGroups</c>, <c>zero_grad()</c>, the per-parameter state
/// (<c>step</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>) and <c>state_dict()</c> are TorchSharp's; only <see cref="step"/>
/// is replaced. Per element, with t the parameter's step count, it computes what <c>torch.optim.Adam</c> computes, in
/// the same order and in float32:
/// <code>
/// g = grad (+ weight_decay * p for Adam; for AdamW p = p * (1 - lr * weight_decay) first)
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g * g
/// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// </code>
/// <para>
/// <b>Finite gradients.</b> A step either happens for every parameter or for none: <see cref="TryStep"/> first scans
/// all gradients for NaN and infinity (a read-only vectorised pass), and only when the whole scan has finished and
/// found none does the update pass write anything: a parameter updated before a later parameter's NaN is found could
/// not be undone. Computing the moments into scratch buffers during the scan would read the gradients once, but
/// it writes two more buffers and reads them back, which is more memory traffic than reading the gradients again (they
/// are then still in cache). The scan replaces <see cref="Check.FiniteGradients"/>: the <see cref="Trainer"/> does not
/// run that check when it steps a FusedAdam. A refused step leaves parameters, moments and step counts bit-identical.
/// </para>
/// <para>
/// <b>Where it applies.</b> The constructor accepts only contiguous float32 CPU parameters (and throws
/// <see cref="ArgumentException"/> naming the first other one). <see cref="Create"/> and <see cref="CreateAdamW"/>
/// choose: a FusedAdam when every parameter qualifies, otherwise TorchSharp's <c>torch.optim.Adam</c> or
/// <c>torch.optim.AdamW</c> with the same settings (a GPU, float64 or half-precision model). AMSGrad and
/// <c>maximize</c> are not offered.
/// </para>
/// </summary>
public sealed class FusedAdam : Adam
{
    /// <summary>
    /// Adam over <paramref name="parameters"/>, which must all be contiguous float32 CPU tensors; the defaults are those
    /// of <c>torch.optim.Adam</c>. With <paramref name="decoupledWeightDecay"/>, AdamW: <paramref name="weight_decay"/>
    /// shrinks the parameters by lr * weight_decay each step instead of being added to the gradient (use
    /// <see cref="CreateAdamW"/> for AdamW's default decay of 0.01).
    /// </summary>
    public FusedAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
                     double eps = 1e-8, double weight_decay = 0, bool decoupledWeightDecay = false)
        : base(parameters?.ToList() ?? new List<Parameter>(), lr, beta1, beta2, eps, weight_decay)
    {
        // Checked here, not before the base constructor: a constructor that throws before its base constructor has run
        // leaves an object whose finalizer (TorchSharp's Optimizer.Dispose) crashes the process.
        ArgumentNullException.ThrowIfNull(parameters);
        var list = this.parameters().ToList();
        for (int i = 0; i < list.Count; i++)
            if (!CanFuse(list[i]))
                throw new ArgumentException(
                    $"parameter {i} (shape {Check.Shape(list[i])}) is {list[i].dtype} on {list[i].device_type}{(list[i].is_contiguous() ? "" : ", not contiguous")}; " +
                    "FusedAdam updates contiguous float32 CPU tensors only. FusedAdam.Create (or CreateAdamW) falls back to torch.optim.Adam (AdamW) for others.",
                    nameof(parameters));
        DecoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>True for AdamW's decoupled weight decay, false for Adam's L2 penalty added to the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <summary>
    /// Adam with <c>torch.optim.Adam</c>'s settings: a <see cref="FusedAdam"/> when every parameter is a contiguous
    /// float32 CPU tensor, else <c>torch.optim.Adam</c> itself.
    /// </summary>
    public static optim.Optimizer Create(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9,
                                         double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0)
    {
        var list = parameters.ToList();
        return list.All(CanFuse)
            ? new FusedAdam(list, lr, beta1, beta2, eps, weight_decay)
            : optim.Adam(list, lr, beta1, beta2, eps, weight_decay);
    }

    /// <summary>
    /// AdamW with PyTorch's defaults (weight decay 0.01; TorchSharp's <c>torch.optim.AdamW</c> defaults to 0): a
    /// <see cref="FusedAdam"/> with decoupled weight decay when every parameter is a contiguous float32 CPU tensor, else
    /// <c>torch.optim.AdamW</c> itself with these settings.
    /// </summary>
    public static optim.Optimizer CreateAdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9,
                                              double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01)
    {
        var list = parameters.ToList();
        return list.All(CanFuse)
            ? new FusedAdam(list, lr, beta1, beta2, eps, weight_decay, decoupledWeightDecay: true)
            : optim.AdamW(list, lr, beta1, beta2, eps, weight_decay);
    }

    /// <summary>Whether the fused update can work on <paramref name="p"/>'s memory directly.</summary>
    public static bool CanFuse(Parameter p) =>
        p.dtype == ScalarType.Float32 && p.device_type == DeviceType.CPU && p.is_contiguous() && !p.is_sparse;

    /// <summary>
    /// Takes the step; throws <see cref="InvalidOperationException"/>, and changes nothing, when a gradient holds NaN
    /// or infinity (<see cref="TryStep"/> reports that instead). <paramref name="closure"/>, when given, is evaluated
    /// first with gradients on, and its loss is returned.
    /// </summary>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        Tensor? loss = null;
        if (closure is not null)
            using (enable_grad())
                loss = closure();
        if (!Step(out int parameter))
            throw new InvalidOperationException(
                $"FusedAdam: the gradient of parameter {parameter} (in the order given) holds NaN or infinity; the step was not taken " +
                "and no parameter or moment changed. Lower the learning rate or find where the loss stops being finite.");
        return loss!;
    }

    /// <summary>
    /// Takes the step unless a gradient holds NaN or infinity; then it returns false and leaves every parameter,
    /// moment and step count bit-identical. Parameters without a gradient are skipped, as in <c>torch.optim.Adam</c>.
    /// </summary>
    public bool TryStep() => Step(out _);

    private bool Step(out int nonFinite)
    {
        nonFinite = -1;
        using var scope = NewDisposeScope();
        var updates = new List<Update>();
        int index = 0;
        foreach (var group in _parameter_groups)
        {
            var options = (Options)group.Options;
            foreach (var p in group.Parameters)
            {
                int position = index++;
                var grad = p.grad;
                if (grad is null) continue;
                if (grad.dtype != ScalarType.Float32 || grad.is_sparse || grad.numel() != p.numel())
                    throw new InvalidOperationException($"FusedAdam: the gradient of parameter {position} is {(grad.is_sparse ? "sparse " : "")}{grad.dtype} with {grad.numel()} values; a dense float32 gradient with {p.numel()} values was expected.");
                var state = (State)_state[p.Handle];
                updates.Add(new Update(position, p, grad.is_contiguous() ? grad : grad.contiguous(), state, options));
            }
        }
        foreach (var x in updates)
        {
            if (AllFinite(Floats(x.Grad))) continue;
            nonFinite = x.Position;
            return false;
        }

        // One thread, the caller's: libtorch's OpenMP workers spin-wait between operations, so threads of the .NET pool
        // compete with them for the cores. Measured with the bench on 2 cores (batch 128, 652,824 parameters): the update
        // alone takes 1.23 ms on one thread and 1.31 ms on two, and the Trainer's epochs ran at 0.81 of the bare loop's
        // speed with two threads, 0.85-0.96 with one.
        foreach (var x in updates)
        {
            x.State.step++;
            Apply(Floats(x.Parameter), Floats(x.Grad), Floats(x.State.exp_avg), Floats(x.State.exp_avg_sq),
                  new Constants(x.Options, x.State.step, DecoupledWeightDecay));
        }
        return true;
    }

    /// <summary>One parameter's share of a step: its place in the optimiser's order, its tensors and its group's settings.</summary>
    private sealed record Update(int Position, Parameter Parameter, Tensor Grad, State State, Options Options);

    /// <summary>The elements of <paramref name="t"/> (a contiguous float32 CPU tensor) as a writable span over its memory.</summary>
    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    /// <summary>False when any element is NaN or infinite: x - x is +0 for every finite x and NaN otherwise, and NaN survives addition.</summary>
    private static bool AllFinite(ReadOnlySpan<float> g)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(g);
        var sum = Vector<float>.Zero;
        foreach (var x in vectors) sum += x - x;
        float tail = 0;
        for (int i = vectors.Length * Vector<float>.Count; i < g.Length; i++) tail += g[i] - g[i];
        return Vector.EqualsAll(sum, Vector<float>.Zero) && tail == 0;
    }

    /// <summary>
    /// A step's scalars, rounded to float32 as libtorch rounds the scalar arguments of its kernels; the bias
    /// corrections 1 - beta^t are computed in double, as <c>torch.optim.Adam</c> does.
    /// </summary>
    private readonly struct Constants
    {
        public readonly Vector<float> Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, Eps, SqrtBiasCorrection2, NegativeStepSize, Decay, Shrink;
        public readonly bool L2, Decoupled;

        public Constants(Options o, long step, bool decoupled)
        {
            double lr = o.LearningRate!.Value, beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, wd = o.weight_decay!.Value;
            Beta1 = new((float)beta1);
            OneMinusBeta1 = new((float)(1 - beta1));
            Beta2 = new((float)beta2);
            OneMinusBeta2 = new((float)(1 - beta2));
            Eps = new((float)o.eps!.Value);
            SqrtBiasCorrection2 = new((float)Math.Sqrt(1 - Math.Pow(beta2, step)));
            NegativeStepSize = new((float)(-lr / (1 - Math.Pow(beta1, step))));
            Decay = new((float)wd);
            Shrink = new((float)(1 - lr * wd));
            L2 = !decoupled && wd != 0;
            Decoupled = decoupled && wd != 0;
        }
    }

    /// <summary>
    /// The update of one parameter, whole vectors in place; the last partial vector goes through zero-padded copies so that
    /// the formula is written once. Each line is the libtorch kernel <c>torch.optim.Adam</c> calls, in its order.
    /// </summary>
    private static void Apply(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in Constants k)
    {
        int whole = p.Length / Vector<float>.Count;
        var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
        var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
        var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
        var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
        for (int i = 0; i < whole; i++)
            Apply(ref pv[i], gv[i], ref mv[i], ref vv[i], k);

        int done = whole * Vector<float>.Count, rest = p.Length - done;
        if (rest == 0) return;
        int n = Vector<float>.Count;
        Span<float> pt = stackalloc float[n], gt = stackalloc float[n], mt = stackalloc float[n], vt = stackalloc float[n]; // zeroed
        p[done..].CopyTo(pt);
        g[done..].CopyTo(gt);
        m[done..].CopyTo(mt);
        v[done..].CopyTo(vt);
        var (pp, mm, vq) = (new Vector<float>(pt), new Vector<float>(mt), new Vector<float>(vt));
        Apply(ref pp, new Vector<float>(gt), ref mm, ref vq, k);
        pp.CopyTo(pt);
        mm.CopyTo(mt);
        vq.CopyTo(vt);
        pt[..rest].CopyTo(p[done..]);
        mt[..rest].CopyTo(m[done..]);
        vt[..rest].CopyTo(v[done..]);
    }

    private static void Apply(ref Vector<float> p, Vector<float> g, ref Vector<float> m, ref Vector<float> v, in Constants k)
    {
        if (k.Decoupled) p *= k.Shrink;                                  // param.mul_(1 - lr * weight_decay)     (AdamW)
        if (k.L2) g += k.Decay * p;                                      // grad.add(param, alpha: weight_decay)  (Adam)
        m = m * k.Beta1 + k.OneMinusBeta1 * g;                           // exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1)
        v = v * k.Beta2 + k.OneMinusBeta2 * g * g;                       // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2)
        var denominator = Vector.SquareRoot(v) / k.SqrtBiasCorrection2 + k.Eps;   // (exp_avg_sq.sqrt() / sqrt(bc2)).add_(eps)
        p += k.NegativeStepSize * m / denominator;                       // param.addcdiv_(exp_avg, denom, value: -lr / bc1)
    }
}
